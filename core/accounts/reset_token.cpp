// Reading and writing the token of a reset link.
#include "core/accounts/reset_token.h"

#include "core/http/encoding.h"

namespace microblog {
namespace {
// 32 bytes in base64url without padding.
constexpr size_t kEncodedLength = (kResetTokenBytes * 4 + 2) / 3;
}  // namespace

std::optional<std::string> reset_token_from_path(std::string_view path) {
    if (path.substr(0, kResetPathPrefix.size()) != kResetPathPrefix)
        return std::nullopt;
    std::string_view encoded = path.substr(kResetPathPrefix.size());
    if (encoded.size() != kEncodedLength)
        return std::nullopt;
    // Strict: one encoding per token, so an altered last character is not the same token.
    std::optional<std::string> token = base64url_decode(encoded);
    if (!token || token->size() != kResetTokenBytes)
        return std::nullopt;
    return token;
}

std::string reset_path(std::string_view token) {
    return std::string(kResetPathPrefix) + base64url_encode(token);
}

std::string reset_link(std::string_view site_url, std::string_view token) {
    return std::string(site_url) + reset_path(token);
}

}  // namespace microblog
