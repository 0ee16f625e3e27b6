// What both passkey routes share: the JSON they answer the script with, and reading the
// base64url fields it posts.
#pragma once

#include <optional>
#include <string>

#include "core/http/form.h"
#include "core/http/response.h"
#include "core/server/app.h"

namespace microblog {

// {"error": message} with `status`: the script shows the message beside its button.
Response passkey_error(int status, const std::string& message);

// Nothing when passkeys are on; otherwise the answer to give (404: not on this site).
std::optional<Response> passkeys_off(const App& app);

// The decoded bytes of a base64url field, or nothing when it is not base64url.
std::optional<std::string> decoded_field(const Form& form, const std::string& name);

}  // namespace microblog
