// What a new password must be (OWASP ASVS 2.1, NIST SP 800-63B 5.1.1.2): at least 8 characters,
// at most 1024 bytes, not built from the username, and not guessable from the ways people build
// weak passwords (dictionary words, keyboard walks, runs like "1234", repeats) in fewer than
// 2^32 guesses; no composition rules, nothing refused for its length or alphabet. The rule is
// spelt out in docs/security.md ("The password policy").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

extern "C" {
struct pwquality_settings;
}

namespace microblog {

// Debian's cracklib-runtime word list (words and common passwords, one a line), from which it
// also builds cracklib's own dictionary.
inline constexpr const char* kPasswordWordList = "/usr/share/dict/cracklib-small";

class PasswordPolicy {
  public:
    static constexpr size_t kMinCharacters = 8;
    static constexpr size_t kMaxBytes = 1024;

    // A password needs at least this many bits of guessing work (2^32, about four billion
    // guesses) in the estimate of guess_bits().
    static constexpr double kMinGuessBits = 32;

    // Loads the word list and sets libpwquality (the username check) up from this policy alone
    // (/etc/security/pwquality.conf, the system logins' policy, is not read), then proves the
    // list works: throws std::runtime_error when `word_list` is missing, unreadable or does not
    // make "password" guessable, so a program refuses to start instead of accepting every
    // password.
    explicit PasswordPolicy(const std::string& word_list = kPasswordWordList);
    ~PasswordPolicy();
    PasswordPolicy(const PasswordPolicy&) = delete;
    PasswordPolicy& operator=(const PasswordPolicy&) = delete;

    // Nothing when `password` (valid UTF-8) is acceptable for the account `username` (may be
    // empty); otherwise the message to show by the password field. The messages never repeat
    // the password. Throws std::invalid_argument for a password with a NUL byte or invalid
    // UTF-8 (forms refuse those).
    std::optional<std::string> check(std::string_view password, std::string_view username) const;

    // The estimated guessing work for `password` in bits: the cheapest way to write it as a
    // sequence of pieces, each costing the guesses an attacker needs for it (docs/security.md).
    double guess_bits(std::string_view password) const;

  private:
    // The sorted words front-coded in one string: each word as how many characters it shares
    // with the word before, how many follow, and those. Every kBlockSize-th word shares none,
    // so a binary search over those first words finds a word's block. A std::string a word
    // would cost 32 bytes besides it, and the sharing halves the rest: in every worker.
    class SortedWords {
      public:
        explicit SortedWords(std::vector<std::string> words);
        size_t size() const { return size_; }
        // Calls found(start, end) for every text[start, end) that is one of the words.
        void find_in(std::string_view text,
                     const std::function<void(size_t start, size_t end)>& found) const;

      private:
        static constexpr size_t kBlockSize = 16;
        // Whether a word begins with `prefix`; `exact` tells whether one is `prefix` itself.
        bool has_prefix(std::string_view prefix, bool& exact) const;
        // The first word not less than `key` in block `block`, if there is one; `buffer`
        // holds what the result views.
        std::optional<std::string_view> lower_bound_in(size_t block, std::string_view key,
                                                       std::string& buffer) const;
        std::string_view first_word(size_t block) const;

        std::string text_;
        std::vector<uint32_t> blocks_;  // where each block starts in text_
        size_t size_ = 0;
    };

    // A dictionary word in the password, read forwards or backwards, and what it costs.
    struct WordPiece {
        size_t end;
        double bits;
    };

    // Every word piece of `password`, by the index where it starts.
    std::vector<std::vector<WordPiece>> word_pieces(std::string_view password) const;

    std::string word_list_;
    SortedWords words_;  // normalised (see password_policy.cpp)
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
