// Signing and verifying values that round-trip through the browser.
#include "core/crypto/signed_value.h"

#include "core/crypto/crypto.h"
#include "core/http/encoding.h"

namespace microblog {
namespace {
// No signed value this site makes comes near this; anything larger is refused unread.
constexpr size_t kMaxSignedValueLength = 2048;
// 8 base64url characters: 48 bits, so two keys of one site never share an id by chance.
constexpr size_t kKeyIdLength = 8;

std::string key_id_of(const std::string& secret) {
    return base64url_encode(hmac_sha256(secret, "key-id", "")).substr(0, kKeyIdLength);
}

std::string mac_of(const std::string& secret, std::string_view purpose, std::string_view data) {
    return base64url_encode(hmac_sha256(secret, purpose, data));
}

// The MAC covers the key id too, so a value cut down to "<data>.<mac>" is no legacy value.
std::string keyed_mac(const std::string& secret, const std::string& id, std::string_view purpose,
                      std::string_view data) {
    std::string message;
    message.reserve(id.size() + 1 + data.size());
    message.append(id).append(1, '.').append(data);
    return mac_of(secret, purpose, message);
}
}  // namespace

Signer::Signer(std::string current, std::string previous) : current_{std::move(current), ""} {
    current_.id = key_id_of(current_.secret);
    if (!previous.empty() && previous != current_.secret)
        previous_ = Key{previous, key_id_of(previous)};
}

const Signer::Key* Signer::key_named(std::string_view id) const {
    if (id == current_.id)
        return &current_;
    if (previous_ && id == previous_->id)
        return &*previous_;
    return nullptr;
}

std::string Signer::sign(std::string_view purpose, std::string_view data) const {
    return current_.id + "." + base64url_encode(data) + "." +
           keyed_mac(current_.secret, current_.id, purpose, data);
}

std::optional<Verified> Signer::verify(std::string_view purpose, std::string_view value) const {
    if (value.size() > kMaxSignedValueLength)
        return std::nullopt;
    size_t last_dot = value.rfind('.');
    if (last_dot == std::string_view::npos)
        return std::nullopt;
    size_t first_dot = value.find('.');
    // "<data>.<mac>", as values were signed before they carried a key id, verifies with the
    // current key only, and is signed again.
    const Key* key = &current_;
    std::string_view encoded = value.substr(0, last_dot);
    if (first_dot != last_dot) {
        key = key_named(value.substr(0, first_dot));
        encoded = value.substr(first_dot + 1, last_dot - first_dot - 1);
    }
    if (key == nullptr)
        return std::nullopt;
    std::optional<std::string> data = base64url_decode(encoded);
    if (!data)
        return std::nullopt;
    bool legacy = first_dot == last_dot;
    std::string expected = legacy ? mac_of(key->secret, purpose, *data)
                                  : keyed_mac(key->secret, key->id, purpose, *data);
    if (!constant_time_equal(expected, value.substr(last_dot + 1)))
        return std::nullopt;
    return Verified{std::move(*data), key != &current_ || legacy};
}

std::string Signer::tag(std::string_view purpose, std::string_view data) const {
    return current_.id + "." + keyed_mac(current_.secret, current_.id, purpose, data);
}

bool Signer::tag_matches(std::string_view purpose, std::string_view data,
                         std::string_view tag) const {
    size_t dot = tag.find('.');
    if (dot == std::string_view::npos)
        return false;
    const Key* key = key_named(tag.substr(0, dot));
    if (key == nullptr)
        return false;
    return constant_time_equal(keyed_mac(key->secret, key->id, purpose, data), tag.substr(dot + 1));
}

}  // namespace microblog
