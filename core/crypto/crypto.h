// Cryptographic primitives the core needs: random bytes, SHA-256, HMAC-SHA256, and a
// constant-time comparison. Thin wrappers over OpenSSL and the kernel's random source.
#pragma once

#include <string>
#include <string_view>

namespace microblog {

// Cryptographically secure random bytes; throws if the kernel cannot supply them.
std::string random_bytes(size_t count);

std::string sha256(std::string_view data);

// Keyed MAC; `purpose` is mixed in so a MAC made for one use (say, a session cookie) is never
// valid for another (a CSRF token) under the same key.
std::string hmac_sha256(std::string_view key, std::string_view purpose, std::string_view data);

// Compares without an early exit, so timing does not reveal where two secrets differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace microblog
