// A random token a browser keeps in a signed cookie while the database knows only its SHA-256,
// the key of a row: sessions, sign-ins waiting for their second step, and passkey challenges.
// A database that leaks gives no cookie; a cookie is checked before the database is asked.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/crypto/signed_value.h"

namespace microblog {

// 256 bits: far beyond guessing. The key, a SHA-256, has the same length.
inline constexpr size_t kCookieTokenBytes = 32;
inline constexpr size_t kCookieTokenKeyBytes = 32;

struct CookieToken {
    std::string secret;        // kCookieTokenBytes random bytes; sent in the cookie, never stored
    std::string key;           // cookie_token_key(secret): the row's key
    std::string cookie_value;  // the secret signed for the cookie (Signer::sign)
    // Read from a cookie signed with the previous key (or without a key id): sign it again.
    bool stale_key = false;
};

// A new random token, its cookie value signed for `purpose` (the cookie's name).
CookieToken new_cookie_token(const Signer& signer, std::string_view purpose);

// The token a cookie value carries: nothing unless it verifies for `purpose` and holds a secret
// of kCookieTokenBytes. Its cookie_value is `value` as given.
std::optional<CookieToken> read_cookie_token(const Signer& signer, std::string_view purpose,
                                             std::string_view value);

// The cookie value for a secret, signed with the current key (a new one, or one renewed).
std::string sign_cookie_token(const Signer& signer, std::string_view purpose,
                              std::string_view secret);

// The row's key for a secret: its SHA-256.
std::string cookie_token_key(std::string_view secret);

}  // namespace microblog
