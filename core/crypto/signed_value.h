// Values that travel through the browser and must come back unaltered:
// "<key id>.<base64url data>.<mac>", and tags "<key id>.<mac>" (CSRF tokens).
//
// The key id names the key that made the MAC, so the secret key can be rotated: the current key
// signs, and a previous key still verifies during a grace period (docs/configuration.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace microblog {

// The data of a verified value, and whether it should be signed again with the current key
// (it was made with the previous key, or before values carried a key id).
struct Verified {
    std::string data;
    bool stale_key = false;
};

class Signer {
  public:
    // `previous` (empty: none, or the same as `current`) only verifies.
    explicit Signer(std::string current, std::string previous = "");

    // `purpose` names what the value is for (the cookie's name, say): a value signed for one
    // purpose does not verify for another.
    std::string sign(std::string_view purpose, std::string_view data) const;
    // The data, or nothing when the value is malformed, truncated, oversized, tampered with or
    // made with a key this signer does not hold.
    std::optional<Verified> verify(std::string_view purpose, std::string_view value) const;

    // A tag of `data` for `purpose`, "<key id>.<mac>": what a CSRF token is.
    std::string tag(std::string_view purpose, std::string_view data) const;
    bool tag_matches(std::string_view purpose, std::string_view data, std::string_view tag) const;

    const std::string& key_id() const { return current_.id; }

  private:
    struct Key {
        std::string secret;
        std::string id;  // derived from the secret, so every host names the same key alike
    };
    Key current_;
    std::optional<Key> previous_;

    const Key* key_named(std::string_view id) const;
};

}  // namespace microblog
