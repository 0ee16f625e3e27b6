// Hashing and verifying passwords with libxcrypt.
#include "core/accounts/password.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "core/crypto/crypto.h"
#include "core/http/encoding.h"

namespace microblog {
namespace {

// libxcrypt refuses passphrases of CRYPT_MAX_PASSPHRASE_SIZE (512) bytes or more, but the site
// accepts up to 1024. Those long ones are reduced to their SHA-256 first: nothing is truncated,
// and the 0x01 prefix is a byte no typed password can contain (forms refuse control characters),
// so a pre-hashed phrase never equals some other typed password.
std::string passphrase(std::string_view password) {
    if (password.size() < CRYPT_MAX_PASSPHRASE_SIZE)
        return std::string(password);
    return "\x01" + base64url_encode(sha256(password));
}

std::string generate_setting(const char* prefix, unsigned long cost) {
    char* setting = crypt_gensalt_ra(prefix, cost, nullptr, 0);
    if (setting == nullptr)
        throw std::runtime_error("crypt_gensalt_ra failed");
    std::string result(setting);
    std::free(setting);
    return result;
}

}  // namespace

std::string hash_setting_prefix(const std::string& hash) {
    if (hash.empty() || hash[0] != '$')
        return "";
    size_t second = hash.find('$', 1);
    if (second == std::string::npos)
        return "";
    size_t third = hash.find('$', second + 1);
    if (third == std::string::npos)
        return "";
    return hash.substr(0, third + 1);
}

PasswordHasher::PasswordHasher(unsigned long yescrypt_cost)
    : gensalt_prefix_("$y$"), cost_(yescrypt_cost), scratch_(std::make_unique<crypt_data>()) {
    setting_prefix_ = hash_setting_prefix(generate_setting(gensalt_prefix_.c_str(), cost_));
    dummy_hash_ = hash(base64url_encode(random_bytes(16)));
}

std::string PasswordHasher::hash(std::string_view password) const {
    if (password.find('\0') != std::string_view::npos) {
        throw std::invalid_argument("password contains a NUL byte");
    }
    std::string phrase = passphrase(password);
    std::string setting = generate_setting(gensalt_prefix_.c_str(), cost_);
    const char* result =
        crypt_rn(phrase.c_str(), setting.c_str(), scratch_.get(), sizeof(crypt_data));
    // crypt_rn reports failure with NULL; a result starting with '*' is a failure token that
    // must never be stored, since it would "verify" nothing predictably.
    if (result == nullptr || result[0] == '*')
        throw std::runtime_error("crypt_rn failed");
    return result;
}

bool PasswordHasher::verify(std::string_view password, const std::string& stored_hash) const {
    if (password.find('\0') != std::string_view::npos)
        return false;
    if (stored_hash.empty() || stored_hash[0] == '*' || stored_hash[0] == '!')
        return false;
    std::string phrase = passphrase(password);
    const char* result =
        crypt_rn(phrase.c_str(), stored_hash.c_str(), scratch_.get(), sizeof(crypt_data));
    if (result == nullptr || result[0] == '*')
        return false;
    return constant_time_equal(result, stored_hash);
}

void PasswordHasher::verify_dummy(std::string_view password) const {
    (void)verify(password, dummy_hash_);
}

bool PasswordHasher::needs_rehash(const std::string& stored_hash) const {
    if (crypt_checksalt(stored_hash.c_str()) != CRYPT_SALT_OK)
        return true;
    return hash_setting_prefix(stored_hash) != setting_prefix_;
}

}  // namespace microblog
