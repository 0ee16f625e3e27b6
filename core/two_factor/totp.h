// Time-based one-time passwords for authenticator apps (RFC 6238 with the apps' defaults:
// HMAC-SHA-1, 6 digits, 30-second steps), computed by liboath.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace microblog {

// 160 bits, the size RFC 4226 recommends for HMAC-SHA-1.
inline constexpr size_t kTotpSecretBytes = 20;

std::string new_totp_secret();
// The secret as authenticator apps take it typed in: base32 without padding.
std::string base32_secret(std::string_view secret);
// otpauth://totp/Microblog:<username>?secret=<base32>&issuer=Microblog, for the QR code.
std::string otpauth_uri(std::string_view username, std::string_view secret);

// The time step (seconds since the epoch / 30) whose code `code` is, looking one step either
// side of `now` for clock drift; nothing for anything else. Spaces in `code` are ignored.
std::optional<uint64_t> totp_step_of(std::string_view secret, std::string_view code, time_t now);

// The code of `step`, for tests and the admin command's self-check.
std::string totp_code_at(std::string_view secret, uint64_t step);

}  // namespace microblog
