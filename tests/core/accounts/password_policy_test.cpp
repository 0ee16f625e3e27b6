// Tests for core/password_policy (and the policy's place in core/account_rules): lengths in
// characters and bytes, the username check, the guessability estimate over generated corpora of
// strong passwords (all accepted) and weak ones (all refused), no composition rules, and a
// missing word list stopping the program instead of letting every password through.
#include "core/accounts/password_policy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/accounts/account_rules.h"
#include "core/http/form.h"

namespace microblog {
namespace {

const PasswordPolicy& policy() {
    static const PasswordPolicy instance;
    return instance;
}

// The message for `password` ("" when accepted), checking it is one of the fixed texts (which
// never repeat the password).
std::string verdict(const std::string& password, const std::string& username = "") {
    std::optional<std::string> message = policy().check(password, username);
    if (!message)
        return "";
    EXPECT_TRUE(*message == kPasswordTooShort || *message == kPasswordTooLong ||
                *message == kPasswordTooCommon || *message == kPasswordHasUsername)
        << *message;
    return *message;
}

// `length` printable ASCII characters that look random (a fixed xorshift sequence).
std::string random_looking(size_t length) {
    const std::string alphabet =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#%&*+-./:;=?@_~";
    uint64_t state = 0x9e3779b97f4a7c15u;
    std::string text;
    while (text.size() < length) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        text += alphabet[state % alphabet.size()];
    }
    return text;
}

// Generated corpora. Every run draws new samples; the seed is in each failure's trace so a
// failing sample can be made again.
class Corpus {
  public:
    Corpus() : seed_(std::random_device{}()), rng_(seed_) {}
    uint64_t seed() const { return seed_; }

    size_t number(size_t low, size_t high) {
        return std::uniform_int_distribution<size_t>(low, high)(rng_);
    }
    bool coin() { return number(0, 1) == 1; }
    char pick(const std::string& alphabet) { return alphabet[number(0, alphabet.size() - 1)]; }
    std::string draw(const std::string& alphabet, size_t length) {
        std::string text;
        while (text.size() < length)
            text += pick(alphabet);
        return text;
    }
    std::string bytes(size_t count) { return draw(std::string(1, '\0') + all_bytes(), count); }
    const std::string& word() { return words()[number(0, words().size() - 1)]; }

  private:
    static std::string all_bytes() {
        std::string text;
        for (int byte = 1; byte < 256; ++byte)
            text += char(byte);
        return text;
    }
    // Plain lowercase words of 4 to 8 letters from the dictionary the policy checks against.
    static const std::vector<std::string>& words() {
        static const std::vector<std::string> list = [] {
            std::vector<std::string> found;
            std::ifstream in(kPasswordWordList);
            for (std::string line; std::getline(in, line);) {
                if (line.size() >= 4 && line.size() <= 8 &&
                    line.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == std::string::npos)
                    found.push_back(line);
            }
            return found;
        }();
        return list;
    }
    uint64_t seed_;
    std::mt19937_64 rng_;
};

const std::string kLower = "abcdefghijklmnopqrstuvwxyz";
const std::string kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const std::string kDigits = "0123456789";
const std::string kAlphanumeric = kLower + kUpper + kDigits;
const std::string kPrintable =
    kAlphanumeric + " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";  // all printable ASCII

std::string base64(const std::string& bytes, bool url) {
    const std::string alphabet = kUpper + kLower + kDigits + (url ? "-_" : "+/");
    std::string text;
    for (size_t i = 0; i < bytes.size(); i += 3) {
        uint32_t group = uint32_t(uint8_t(bytes[i])) << 16;
        size_t in_group = std::min<size_t>(3, bytes.size() - i);
        if (in_group > 1)
            group |= uint32_t(uint8_t(bytes[i + 1])) << 8;
        if (in_group > 2)
            group |= uint8_t(bytes[i + 2]);
        for (size_t k = 0; k <= in_group; ++k)
            text += alphabet[(group >> (18 - 6 * k)) & 63];
        if (!url)
            text.append(3 - in_group, '=');
    }
    return text;
}

// What password generators and managers make: `count` samples of each format.
std::vector<std::string> strong_passwords(Corpus& corpus, size_t count) {
    std::vector<std::string> passwords;
    for (size_t i = 0; i < count; ++i) {
        // openssl rand -hex N, in either letter case.
        std::string hex = corpus.draw("0123456789abcdef", corpus.number(16, 128));
        passwords.push_back(hex);
        if (corpus.coin())
            for (char& c : passwords.back())
                c = char(std::toupper(uint8_t(c)));
        passwords.push_back("Par-" + corpus.draw("0123456789abcdef", 16));
        // openssl rand -base64 N and base64url tokens.
        passwords.push_back(base64(corpus.bytes(corpus.number(12, 64)), false));
        passwords.push_back(base64(corpus.bytes(corpus.number(12, 64)), true));
        // Letters and digits (Bitwarden's default of 14, Chrome's 15, 1Password's 20 ...).
        passwords.push_back(corpus.draw(kAlphanumeric, corpus.number(12, 32)));
        // With symbols (LastPass's 12, KeePass's printable ASCII ...).
        passwords.push_back(corpus.draw(kPrintable, corpus.number(12, 32)));
        // Apple's "abcdef-ghijkl-mnopqr": lowercase groups with one capital and one digit.
        std::string apple =
            corpus.draw(kLower, 6) + "-" + corpus.draw(kLower, 6) + "-" + corpus.draw(kLower, 6);
        apple[corpus.number(0, 5)] = corpus.pick(kUpper);
        apple[corpus.number(14, 19)] = corpus.pick(kDigits);
        passwords.push_back(apple);
        // Passphrases of 4 to 7 dictionary words, with the separators and options managers offer.
        std::string separator(1, corpus.pick(" -._"));
        bool capitalise = corpus.coin();
        std::string phrase;
        for (size_t words = corpus.number(4, 7), w = 0; w < words; ++w) {
            std::string word = corpus.word();
            if (capitalise)
                word[0] = char(std::toupper(uint8_t(word[0])));
            phrase += (w == 0 ? "" : separator) + word;
        }
        if (corpus.coin())
            phrase += separator + corpus.pick(kDigits);
        passwords.push_back(phrase);
    }
    return passwords;
}

const char* const kKeyboardRows[] = {"1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./"};

// A straight walk of `length` keys on a QWERTY keyboard from a random key: along a row, down
// or up a column (1qaz) or along the other diagonal (zse4); empty when it runs off the keys.
std::string keyboard_walk(Corpus& corpus, size_t length) {
    const int directions[][2] = {{0, 1}, {0, -1}, {1, 0}, {-1, 0}, {1, -1}, {-1, 1}};
    const int* step = directions[corpus.number(0, 5)];
    int row = int(corpus.number(0, 3));
    int column = int(corpus.number(0, std::strlen(kKeyboardRows[row]) - 1));
    std::string walk;
    for (size_t i = 0; i < length; ++i, row += step[0], column += step[1]) {
        if (row < 0 || row > 3 || column < 0 || column >= int(std::strlen(kKeyboardRows[row])))
            return "";
        walk += kKeyboardRows[row][column];
    }
    return walk;
}

std::string leet(std::string word, Corpus& corpus) {
    const std::map<char, std::string> swaps = {{'a', "4@"}, {'e', "3"},  {'i', "1!"}, {'l', "1"},
                                               {'o', "0"},  {'s', "5$"}, {'t', "7"}};
    for (char& c : word) {
        auto swap = swaps.find(c);
        if (swap != swaps.end() && corpus.coin())
            c = corpus.pick(swap->second);
    }
    return word;
}

// Dictionary words with digits before or after (capitalised, with letters swapped for digits),
// and keyboard walks (one or two, shifted or not, perhaps with a run of digits): `count` of each,
// all of at least 8 characters.
std::vector<std::string> weak_passwords(Corpus& corpus, size_t count) {
    std::vector<std::string> passwords;
    while (passwords.size() < count) {
        std::string word = corpus.word();
        if (corpus.coin())
            word = leet(word, corpus);
        if (corpus.coin())
            word[0] = char(std::toupper(uint8_t(word[0])));
        std::string digits = corpus.draw(kDigits, corpus.number(1, 4));
        std::string password = corpus.coin() ? word + digits : digits + word;
        if (password.size() >= 8)
            passwords.push_back(password);
    }
    const std::string shifted_row = "!@#$%^&*()_+";
    for (size_t walks = 0; walks < count;) {
        std::string password;
        for (size_t parts = corpus.number(1, 2), p = 0; p < parts; ++p)
            password += keyboard_walk(corpus, corpus.number(4, 10));
        if (corpus.coin())
            password += std::string("1234567890").substr(0, corpus.number(1, 4));
        if (corpus.coin()) {
            for (char& c : password) {
                size_t digit = std::string("1234567890-=").find(c);
                c = digit != std::string::npos ? shifted_row[digit]
                                               : char(std::toupper(uint8_t(c)));
            }
        }
        if (password.size() >= 8) {
            passwords.push_back(password);
            ++walks;
        }
    }
    return passwords;
}

TEST(PasswordPolicyTest, EveryGeneratedStrongPasswordIsAccepted) {
    Corpus corpus;
    SCOPED_TRACE("seed " + std::to_string(corpus.seed()));
    size_t refused = 0;
    std::vector<std::string> passwords = strong_passwords(corpus, 150);
    for (const std::string& password : passwords) {
        std::string message = verdict(password, "vqzj8wuk");
        if (!message.empty()) {
            ++refused;
            ADD_FAILURE() << "refused: " << password << " (" << message << ")";
        }
    }
    EXPECT_EQ(refused, 0u) << "of " << passwords.size();
}

TEST(PasswordPolicyTest, EveryGeneratedWeakPasswordIsRefused) {
    Corpus corpus;
    SCOPED_TRACE("seed " + std::to_string(corpus.seed()));
    size_t accepted = 0;
    std::vector<std::string> passwords = weak_passwords(corpus, 300);
    for (const std::string& password : passwords) {
        if (verdict(password, "vqzj8wuk") != kPasswordTooCommon) {
            ++accepted;
            ADD_FAILURE() << "not refused as too common: " << password;
        }
    }
    EXPECT_EQ(accepted, 0u) << "of " << passwords.size();
}

TEST(PasswordPolicyTest, EveryPasswordWithTheUsernameInsideIsRefused) {
    Corpus corpus;
    SCOPED_TRACE("seed " + std::to_string(corpus.seed()));
    for (int i = 0; i < 200; ++i) {
        std::string username = corpus.draw(kLower, corpus.number(4, 12)) + corpus.pick(kDigits);
        std::string inside = username;
        if (corpus.coin())
            inside.assign(username.rbegin(), username.rend());
        for (char& c : inside)
            if (corpus.coin())
                c = char(std::toupper(uint8_t(c)));
        // At least 8 characters in all, so that the length rule does not answer first.
        std::string password = corpus.draw(kPrintable, corpus.number(3, 20)) + inside +
                               corpus.draw(kPrintable, corpus.number(0, 20));
        EXPECT_EQ(verdict(password, username), kPasswordHasUsername)
            << password << " for " << username;
    }
}

TEST(PasswordPolicyTest, CommonAndDictionaryPasswordsAreRefused) {
    for (const char* password : {"12345678", "password1", "qwertyui", "password", "Password1",
                                 "passw0rd", "iloveyou", "abcdefgh", "11111111", "aaaaaaaaaaaa"}) {
        SCOPED_TRACE(password);
        EXPECT_EQ(verdict(password), kPasswordTooCommon);
    }
}

// Every line of the list is found as a word (the lookup reaches the first, middle and last word
// of every block of the packed list): alone it costs one word, at most 2 bits more for
// capitals and substitutes, and read backwards 1 bit more again.
TEST(PasswordPolicyTest, EveryWordOfTheListIsAWord) {
    std::ifstream in(kPasswordWordList);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    ASSERT_GT(lines.size(), 50000u);
    const double one_word = std::log2(double(lines.size()));
    size_t costly = 0;
    for (const std::string& line : lines) {
        if (line.size() < 3 || line.size() > 64)
            continue;
        std::string backwards(line.rbegin(), line.rend());
        if (policy().guess_bits(line) > one_word + 2 ||
            policy().guess_bits(backwards) > one_word + 3) {
            if (++costly <= 5)
                ADD_FAILURE() << "'" << line << "' costs " << policy().guess_bits(line)
                              << " bits, backwards " << policy().guess_bits(backwards);
        }
    }
    EXPECT_EQ(costly, 0u);
}

// docs/security.md: a word read backwards costs one bit more than the word, with or without
// capitals and substitutes, and wherever it sits in the password.
TEST(PasswordPolicyTest, ADictionaryWordReadBackwardsCostsOneBitMore) {
    for (const char* word : {"password", "Passw0rd", "football", "sunshine", "monkey99"}) {
        SCOPED_TRACE(word);
        std::string backwards(word);
        std::reverse(backwards.begin(), backwards.end());
        EXPECT_DOUBLE_EQ(policy().guess_bits(backwards), policy().guess_bits(word) + 1);
        EXPECT_EQ(verdict(backwards), kPasswordTooCommon);
    }
    EXPECT_DOUBLE_EQ(policy().guess_bits("7qov" + std::string("drowssap")),
                     policy().guess_bits("7qov" + std::string("password")) + 1);
}

TEST(PasswordPolicyTest, FewerThanEightCharactersAreRefused) {
    for (const char* password : {"short1", "x", "Vb4!rT9", "correct"}) {
        SCOPED_TRACE(password);
        EXPECT_EQ(verdict(password), kPasswordTooShort);
    }
    EXPECT_EQ(verdict(""), kPasswordTooShort);
}

TEST(PasswordPolicyTest, LengthCountsCharactersNotBytes) {
    // Seven characters in fourteen bytes: too short, whatever libpwquality counts.
    const std::string seven = "\u00e9\u00e8\u00e0\u00e7\u00f9\u00e2\u00ea";
    ASSERT_EQ(seven.size(), 14u);
    EXPECT_EQ(verdict(seven), kPasswordTooShort);
    // Eight characters in sixteen bytes.
    EXPECT_EQ(verdict(seven + "\u00ee"), "");
    // Four characters of four bytes each: sixteen bytes, still too short.
    EXPECT_EQ(verdict("\U0001F511\U0001F40E\U0001F50B\U0001F4CE"), kPasswordTooShort);
}

TEST(PasswordPolicyTest, TheUsernameIsNotAPassword) {
    EXPECT_EQ(verdict("kestrelvoq7", "kestrelvoq7"), kPasswordHasUsername);
    EXPECT_EQ(verdict("Kestrelvoq7", "kestrelvoq7"), kPasswordHasUsername);
    EXPECT_EQ(verdict("kestrelvoq7 is my name", "Kestrelvoq7"), kPasswordHasUsername);
    EXPECT_EQ(verdict("7qovlertsek", "kestrelvoq7"), kPasswordHasUsername);  // reversed
    // The same passwords for somebody else.
    EXPECT_EQ(verdict("kestrelvoq7", "someone"), "");
    EXPECT_EQ(verdict("kestrelvoq7 is my name", ""), "");
}

TEST(PasswordPolicyTest, PassphrasesAndRandomPasswordsAreAccepted) {
    for (const char* password : {"correct horse battery staple", "Vb4!rT9q", "n8Gz2wLk",
                                 "a passphrase long enough to remember"}) {
        SCOPED_TRACE(password);
        EXPECT_EQ(verdict(password, "susan"), "");
    }
}

TEST(PasswordPolicyTest, NoCompositionRules) {
    // One class of characters only, runs of the same class, a repeated letter, a sequence.
    for (const char* password :
         {"vkzqwmbtrx", "29384756102938", "sunny meadow aaa", "xyz abc qmwn"}) {
        SCOPED_TRACE(password);
        EXPECT_EQ(verdict(password), "");
    }
}

TEST(PasswordPolicyTest, UpTo1024BytesAreAccepted) {
    EXPECT_EQ(verdict(random_looking(1024)), "");
    EXPECT_EQ(verdict(random_looking(1025)), kPasswordTooLong);
}

TEST(PasswordPolicyTest, ANulByteIsAnError) {
    EXPECT_THROW(policy().check(std::string("abcdefgh\0ijk", 12), ""), std::invalid_argument);
}

TEST(PasswordPolicyTest, AMissingWordListStopsTheSetUp) {
    try {
        PasswordPolicy broken("/nonexistent/cracklib-small");
        FAIL() << "a policy without its word list was made";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/cracklib-small"), std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("cracklib-runtime"), std::string::npos) << e.what();
    }
}

TEST(PasswordPolicyTest, AWordListWithoutCommonPasswordsStopsTheSetUp) {
    // A word list of words nobody uses: it loads, but "password" would pass.
    std::filesystem::path words = std::filesystem::temp_directory_path() /
                                  ("password_policy_test." + std::to_string(getpid()));
    std::ofstream(words) << "quixotically\nzygomorphic\n";
    EXPECT_THROW(PasswordPolicy(words.string()), std::runtime_error);
    std::filesystem::remove(words);
}

TEST(PasswordPolicyTest, TheStartedPolicyUsesDebiansDictionary) {
    EXPECT_EQ(password_policy().check("password1", ""), kPasswordTooCommon);
    EXPECT_EQ(password_policy().check("correct horse battery staple", ""), std::nullopt);
}

// check_new_password (registration, microblog-admin create-user and set-password) applies it.
Form password_form(const std::string& password, const std::string& password2,
                   const std::string& username = "") {
    std::map<std::string, std::string> fields = {{"password", password}, {"password2", password2}};
    if (!username.empty())
        fields["username"] = username;
    return Form(fields, {kUsernameRule, kPasswordRule, kPassword2Rule});
}

TEST(AccountRulesTest, TheMessageGoesByThePasswordField) {
    for (const char* password : {"12345678", "password1", "qwertyui"}) {
        SCOPED_TRACE(password);
        Form form = password_form(password, password);
        check_new_password(form, password_policy());
        ASSERT_NE(form.error("password"), nullptr);
        EXPECT_EQ(*form.error("password"), kPasswordTooCommon);
        EXPECT_EQ(form.error("password2"), nullptr);
    }
    Form short_form = password_form("short1", "short1");
    check_new_password(short_form, password_policy());
    ASSERT_NE(short_form.error("password"), nullptr);
    EXPECT_EQ(*short_form.error("password"), kPasswordTooShort);
}

TEST(AccountRulesTest, TheFormsUsernameOrTheGivenOneIsChecked) {
    Form with_field = password_form("kestrelvoq7", "kestrelvoq7", "kestrelvoq7");
    check_new_password(with_field, password_policy());
    ASSERT_NE(with_field.error("password"), nullptr);
    EXPECT_EQ(*with_field.error("password"), kPasswordHasUsername);
    Form given = password_form("kestrelvoq7", "kestrelvoq7");
    check_new_password(given, password_policy(), "Kestrelvoq7");
    ASSERT_NE(given.error("password"), nullptr);
    EXPECT_EQ(*given.error("password"), kPasswordHasUsername);
}

TEST(AccountRulesTest, AGoodPasswordTypedTwiceIsAccepted) {
    Form form = password_form("correct horse battery staple", "correct horse battery staple");
    check_new_password(form, password_policy());
    EXPECT_TRUE(form.valid());
    Form different = password_form("correct horse battery staple", "correct horse battery");
    check_new_password(different, password_policy());
    EXPECT_EQ(different.error("password"), nullptr);
    ASSERT_NE(different.error("password2"), nullptr);
    EXPECT_EQ(*different.error("password2"), "Field must be equal to password.");
}

TEST(AccountRulesTest, TheFormsOwnErrorsComeFirst) {
    Form blank = password_form("", "");
    check_new_password(blank, password_policy());
    ASSERT_NE(blank.error("password"), nullptr);
    EXPECT_EQ(*blank.error("password"), "This field is required.");
    std::string long_one = random_looking(1025);
    Form too_long = password_form(long_one, long_one);
    check_new_password(too_long, password_policy());
    ASSERT_NE(too_long.error("password"), nullptr);
    EXPECT_EQ(*too_long.error("password"), "Field cannot be longer than 1024 bytes.");
}

}  // namespace
}  // namespace microblog
