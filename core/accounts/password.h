// Salted password hashes with libxcrypt: new hashes use yescrypt at the configured cost;
// any method libxcrypt knows is verified, and older or weaker hashes are flagged for upgrade.
#pragma once

#include <crypt.h>

#include <memory>
#include <string>
#include <string_view>

namespace microblog {

class PasswordHasher {
  public:
    // Makes one hash at construction (a few milliseconds) to serve as the dummy for unknown users.
    explicit PasswordHasher(unsigned long yescrypt_cost);

    // Throws std::runtime_error when libxcrypt fails; never returns a failure token.
    std::string hash(std::string_view password) const;
    // False for a wrong password, a malformed or locked hash, or a password with a NUL byte
    // (crypt(3) would stop reading at it).
    bool verify(std::string_view password, const std::string& stored_hash) const;
    // Burns the same time as verify() for a user that does not exist, so response times do not
    // tell which usernames are registered.
    void verify_dummy(std::string_view password) const;
    // The hash verify_dummy() checks against: a real hash of the current method and cost, so an
    // unknown user costs exactly what a known one does.
    const std::string& dummy_hash() const { return dummy_hash_; }
    // True when the hash is of another method or cost than new hashes get.
    bool needs_rehash(const std::string& stored_hash) const;

  private:
    std::string setting_prefix_;  // e.g. "$y$j9T$": method and cost of new hashes
    std::string gensalt_prefix_;
    unsigned long cost_;
    std::string dummy_hash_;
    std::unique_ptr<crypt_data> scratch_;  // 32 KiB of libxcrypt state, reused by every call
};

// "$y$j9T$" for "$y$j9T$salt$hash": the part naming method and parameters, up to the third '$'.
// Hashes without that shape (old DES) give "".
std::string hash_setting_prefix(const std::string& hash);

}  // namespace microblog
