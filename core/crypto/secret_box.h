// Encryption at rest for the few secrets the server must read back (two-factor secrets):
// AES-256-GCM under a key from the configuration, with the row's owner as associated data, so
// a value copied to another user's row does not decrypt.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace microblog {

class SecretBox {
  public:
    // `key_material` is the configured key file's content (at least 32 characters); the AES key
    // is its SHA-256, so any such content makes a full-strength key.
    explicit SecretBox(std::string_view key_material);

    // nonce (12 bytes) || ciphertext || tag (16 bytes); a fresh random nonce every time.
    std::string seal(std::string_view plaintext, std::string_view owner) const;
    // Nothing when the value was not sealed with this key for this owner, or was altered.
    std::optional<std::string> open(std::string_view sealed, std::string_view owner) const;

  private:
    std::string key_;
};

}  // namespace microblog
