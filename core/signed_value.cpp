// Signing and verifying values that round-trip through the browser.
#include "signed_value.h"

#include "crypto.h"
#include "encoding.h"

namespace microblog {
namespace {
// No signed value this site makes comes near this; anything larger is refused unread.
constexpr size_t kMaxSignedValueLength = 2048;
}  // namespace

std::string Signer::mac(std::string_view purpose, std::string_view data) const {
    return base64url_encode(hmac_sha256(key_, purpose, data));
}

std::string Signer::sign(std::string_view purpose, std::string_view data) const {
    return base64url_encode(data) + "." + mac(purpose, data);
}

std::optional<std::string> Signer::verify(std::string_view purpose, std::string_view value) const {
    if (value.size() > kMaxSignedValueLength)
        return std::nullopt;
    size_t dot = value.find('.');
    if (dot == std::string_view::npos)
        return std::nullopt;
    std::optional<std::string> data = base64url_decode(value.substr(0, dot));
    if (!data)
        return std::nullopt;
    if (!constant_time_equal(mac(purpose, *data), value.substr(dot + 1)))
        return std::nullopt;
    return data;
}

}  // namespace microblog
