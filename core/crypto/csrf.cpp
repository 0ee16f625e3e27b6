// Deriving and checking CSRF tokens.
#include "core/crypto/csrf.h"

namespace microblog {

std::string csrf_token_for(const Signer& signer, std::string_view binding_value) {
    return signer.tag("csrf", binding_value);
}

bool csrf_token_matches(const Signer& signer, std::string_view binding_value,
                        std::string_view submitted_token) {
    if (binding_value.empty() || submitted_token.empty())
        return false;
    return signer.tag_matches("csrf", binding_value, submitted_token);
}

}  // namespace microblog
