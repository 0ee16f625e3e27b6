// JSON answers and base64url fields of the passkey routes.
#include "core/passkeys/passkey_ceremony.h"

#include <nlohmann/json.hpp>

#include "core/http/encoding.h"

namespace microblog {

Response passkey_error(int status, const std::string& message) {
    return Response::json(status, nlohmann::json{{"error", message}}.dump());
}

std::optional<Response> passkeys_off(const App& app) {
    if (!app.config().webauthn_rp_id.empty())
        return std::nullopt;
    return passkey_error(404, "Passkeys are not set up on this site.");
}

std::optional<std::string> decoded_field(const Form& form, const std::string& name) {
    const std::string& text = form.value(name);
    if (text.empty())
        return std::nullopt;
    return base64url_decode(text);
}

}  // namespace microblog
