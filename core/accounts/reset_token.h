// The token of a password reset link as it travels: 32 random bytes, base64url, in the path
// /reset_password/<token> (sql/010_password_reset_and_outbox.sql keeps only its SHA-256). Pure
// functions, so the fuzz target (tests/fuzz/fuzz_reset_token.cpp) can feed them any path.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace microblog {

inline constexpr std::string_view kResetPathPrefix = "/reset_password/";
inline constexpr size_t kResetTokenBytes = 32;

// The token's bytes from the path nginx passed (DOCUMENT_URI): the prefix, then exactly the one
// base64url encoding of 32 bytes (43 characters, no padding), then nothing. Anything else
// (truncated, padded, another alphabet, a trailing slash) is nullopt.
std::optional<std::string> reset_token_from_path(std::string_view path);

// The path of the page for a token's bytes.
std::string reset_path(std::string_view token);

// The link a mail carries: the configured site_url (never a request's Host header) and the path.
std::string reset_link(std::string_view site_url, std::string_view token);

}  // namespace microblog
