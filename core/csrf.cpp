// Deriving and checking CSRF tokens.
#include "csrf.h"

#include "crypto.h"

namespace microblog {

std::string csrf_token_for(const Signer& signer, std::string_view binding_value) {
    return signer.mac("csrf", binding_value);
}

bool csrf_token_matches(const Signer& signer, std::string_view binding_value,
                        std::string_view submitted_token) {
    if (binding_value.empty() || submitted_token.empty())
        return false;
    return constant_time_equal(csrf_token_for(signer, binding_value), submitted_token);
}

}  // namespace microblog
