// Tokens in signed cookies, keyed by their SHA-256.
#include "core/crypto/token.h"

#include <utility>

#include "core/crypto/crypto.h"

namespace microblog {

std::string cookie_token_key(std::string_view secret) {
    return sha256(secret);
}

std::string sign_cookie_token(const Signer& signer, std::string_view purpose,
                              std::string_view secret) {
    return signer.sign(purpose, secret);
}

CookieToken new_cookie_token(const Signer& signer, std::string_view purpose) {
    CookieToken token;
    token.secret = random_bytes(kCookieTokenBytes);
    token.key = cookie_token_key(token.secret);
    token.cookie_value = sign_cookie_token(signer, purpose, token.secret);
    return token;
}

std::optional<CookieToken> read_cookie_token(const Signer& signer, std::string_view purpose,
                                             std::string_view value) {
    std::optional<Verified> verified = signer.verify(purpose, value);
    if (!verified || verified->data.size() != kCookieTokenBytes)
        return std::nullopt;
    CookieToken token;
    token.secret = std::move(verified->data);
    token.key = cookie_token_key(token.secret);
    token.cookie_value = std::string(value);
    token.stale_key = verified->stale_key;
    return token;
}

}  // namespace microblog
