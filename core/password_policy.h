// What a new password must be (OWASP ASVS 2.1): at least 8 characters, at most 1024 bytes, not
// a common or dictionary password and not built from the username; no composition rules. The
// dictionary check is libpwquality's, with the cracklib dictionary of Debian's cracklib-runtime.
#pragma once

#include <optional>
#include <string>
#include <string_view>

extern "C" {
struct pwquality_settings;
}

namespace microblog {

// The cracklib dictionary Debian's cracklib-runtime builds (its .pwd, .pwi and .hwm files).
inline constexpr const char* kCracklibDictionary = "/var/cache/cracklib/cracklib_dict";

class PasswordPolicy {
  public:
    static constexpr size_t kMinCharacters = 8;
    static constexpr size_t kMaxBytes = 1024;

    // Sets libpwquality up from this policy alone (/etc/security/pwquality.conf, the system
    // logins' policy, is not read) and proves the dictionary works: throws std::runtime_error
    // when `dictionary` is missing or unreadable, so a program refuses to start instead of
    // accepting every password.
    explicit PasswordPolicy(const std::string& dictionary = kCracklibDictionary);
    ~PasswordPolicy();
    PasswordPolicy(const PasswordPolicy&) = delete;
    PasswordPolicy& operator=(const PasswordPolicy&) = delete;

    // Nothing when `password` (valid UTF-8) is acceptable for the account `username` (may be
    // empty); otherwise the message to show by the password field. The messages never repeat
    // the password. Throws std::runtime_error when the dictionary cannot be read any more,
    // and std::invalid_argument for a password with a NUL byte (forms refuse those).
    std::optional<std::string> check(std::string_view password, std::string_view username) const;

  private:
    std::string dictionary_;
    pwquality_settings* settings_;
};

inline constexpr const char* kPasswordTooShort =
    "Please choose a longer password (at least 8 characters).";
inline constexpr const char* kPasswordTooLong =
    "Please choose a shorter password (at most 1024 bytes).";
inline constexpr const char* kPasswordTooCommon =
    "This password is too common or too easy to guess. Please choose another.";
inline constexpr const char* kPasswordHasUsername =
    "Please choose a password that does not contain your username.";

}  // namespace microblog
