// The password policy with libpwquality. Its settings are plain memory and cracklib opens the
// dictionary afresh on every check, so one PasswordPolicy made before a program forks serves
// every worker (one thread each: cracklib's checks are not thread-safe).
#include "password_policy.h"

#include <pwquality.h>
#include <unistd.h>

#include <cstring>
#include <new>
#include <stdexcept>

#include "utf8.h"

namespace microblog {
namespace {

// cracklib's answer to every password when it cannot open its dictionary (untranslated: the
// programs never call setlocale, so gettext gives the original text).
constexpr const char* kDictionaryUnreadable = "error loading dictionary";

void set(pwquality_settings_t* settings, int setting, int value) {
    if (pwquality_set_int_value(settings, setting, value) != 0)
        throw std::runtime_error("libpwquality refused setting " + std::to_string(setting));
}

bool readable(const std::string& path) {
    return access(path.c_str(), R_OK) == 0;
}

}  // namespace

PasswordPolicy::PasswordPolicy(const std::string& dictionary)
    : dictionary_(dictionary), settings_(pwquality_default_settings()) {
    if (settings_ == nullptr)
        throw std::bad_alloc();
    try {
        // No composition rules: no credits (which would lower the length asked for by the
        // classes present, or with negative values demand classes), no classes, no limit on
        // repeated characters, sequences or same-class runs; cracklib itself still refuses
        // "12345678" and "aaaaaaaa"-like passwords. The minimum length is in bytes here, and a
        // password reaching libpwquality has at least 8 characters, so at least 8 bytes: its
        // own length check never refuses what check() let through.
        set(settings_, PWQ_SETTING_MIN_LENGTH, int(kMinCharacters));
        set(settings_, PWQ_SETTING_DIG_CREDIT, 0);
        set(settings_, PWQ_SETTING_UP_CREDIT, 0);
        set(settings_, PWQ_SETTING_LOW_CREDIT, 0);
        set(settings_, PWQ_SETTING_OTH_CREDIT, 0);
        set(settings_, PWQ_SETTING_MIN_CLASS, 0);
        set(settings_, PWQ_SETTING_MAX_REPEAT, 0);
        set(settings_, PWQ_SETTING_MAX_SEQUENCE, 0);
        set(settings_, PWQ_SETTING_MAX_CLASS_REPEAT, 0);
        // The whole username (or it reversed) must not be in the password, in any ASCII letter
        // case. Not the GECOS check: it would look the site's usernames up among the host's.
        set(settings_, PWQ_SETTING_USER_CHECK, 1);
        set(settings_, PWQ_SETTING_USER_SUBSTR, 0);
        set(settings_, PWQ_SETTING_GECOS_CHECK, 0);
        set(settings_, PWQ_SETTING_DICT_CHECK, 1);
        if (pwquality_set_str_value(settings_, PWQ_SETTING_DICT_PATH, dictionary_.c_str()) != 0)
            throw std::runtime_error("libpwquality refused the dictionary path");
        // Without its dictionary cracklib refuses every password, and an empty or wrong one
        // refuses none: prove both ways that it works before serving anybody.
        if (!readable(dictionary_ + ".pwd") || !readable(dictionary_ + ".pwi")) {
            throw std::runtime_error(
                "the password dictionary " + dictionary_ +
                ".pwd is missing or unreadable: install Debian's cracklib-runtime package, "
                "which builds it (update-cracklib)");
        }
        if (check("x7#kQ2mz-wVp9", "") || !check("password", "")) {
            throw std::runtime_error("the password dictionary " + dictionary_ +
                                     " does not work: reinstall cracklib-runtime or run "
                                     "update-cracklib");
        }
    } catch (...) {
        pwquality_free_settings(settings_);
        throw;
    }
}

PasswordPolicy::~PasswordPolicy() {
    pwquality_free_settings(settings_);
}

std::optional<std::string> PasswordPolicy::check(std::string_view password,
                                                 std::string_view username) const {
    if (password.find('\0') != std::string_view::npos)
        throw std::invalid_argument("password contains a NUL byte");
    std::optional<size_t> characters = utf8_length(password);
    if (!characters)
        throw std::invalid_argument("password is not valid UTF-8");
    if (*characters < kMinCharacters)
        return kPasswordTooShort;
    if (password.size() > kMaxBytes)
        return kPasswordTooLong;
    std::string text(password);
    std::string user(username.substr(0, username.find('\0')));
    void* detail = nullptr;
    int score = pwquality_check(settings_, text.c_str(), nullptr, user.c_str(), &detail);
    if (score >= 0)
        return std::nullopt;
    switch (score) {
        case PWQ_ERROR_MEM_ALLOC:
            throw std::bad_alloc();
        case PWQ_ERROR_CRACKLIB_CHECK:
            if (detail != nullptr &&
                std::strcmp(static_cast<const char*>(detail), kDictionaryUnreadable) == 0) {
                throw std::runtime_error("the password dictionary " + dictionary_ +
                                         " cannot be read");
            }
            return kPasswordTooCommon;
        case PWQ_ERROR_USER_CHECK:
            return kPasswordHasUsername;
        default:
            // A palindrome, or cracklib's verdicts: a dictionary word (also mangled),
            // too simplistic or systematic, too few different characters.
            return kPasswordTooCommon;
    }
}

}  // namespace microblog
