// Tokens that prove a form was served by this site to this visitor. The token is a MAC of a
// value only this visitor's browser holds: the session token once signed in, otherwise a
// random "pre-session" cookie. Another visitor's token, or none, does not verify.
#pragma once

#include <string>
#include <string_view>

#include "core/crypto/signed_value.h"

namespace microblog {

inline constexpr std::string_view kPreSessionCookie = "presession";

std::string csrf_token_for(const Signer& signer, std::string_view binding_value);
bool csrf_token_matches(const Signer& signer, std::string_view binding_value,
                        std::string_view submitted_token);

}  // namespace microblog
