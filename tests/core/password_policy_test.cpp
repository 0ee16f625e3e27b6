// Tests for core/password_policy (and the policy's place in core/account_rules): lengths in
// characters and bytes, libpwquality's dictionary and username checks, no composition rules,
// and a missing dictionary stopping the program instead of letting every password through.
#include "core/password_policy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/account_rules.h"
#include "core/form.h"

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

TEST(PasswordPolicyTest, CommonAndDictionaryPasswordsAreRefused) {
    for (const char* password : {"12345678", "password1", "qwertyui", "password", "Password1",
                                 "passw0rd", "iloveyou", "abcdefgh", "11111111", "aaaaaaaaaaaa"}) {
        SCOPED_TRACE(password);
        EXPECT_EQ(verdict(password), kPasswordTooCommon);
    }
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

TEST(PasswordPolicyTest, AMissingDictionaryStopsTheSetUp) {
    try {
        PasswordPolicy broken("/nonexistent/cracklib_dict");
        FAIL() << "a policy without its dictionary was made";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/cracklib_dict.pwd"), std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("cracklib-runtime"), std::string::npos) << e.what();
    }
}

TEST(PasswordPolicyTest, ADictionaryThatRefusesNothingCommonStopsTheSetUp) {
    // A real cracklib dictionary of words nobody uses: it loads, but "password" passes.
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("password_policy_test." + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "words") << "quixotically\nzygomorphic\n";
    std::string command = "cracklib-packer " + (dir / "dict").string() + " < " +
                          (dir / "words").string() + " > /dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    EXPECT_THROW(PasswordPolicy((dir / "dict").string()), std::runtime_error);
    std::filesystem::remove_all(dir);
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
        check_new_password(form);
        ASSERT_NE(form.error("password"), nullptr);
        EXPECT_EQ(*form.error("password"), kPasswordTooCommon);
        EXPECT_EQ(form.error("password2"), nullptr);
    }
    Form short_form = password_form("short1", "short1");
    check_new_password(short_form);
    ASSERT_NE(short_form.error("password"), nullptr);
    EXPECT_EQ(*short_form.error("password"), kPasswordTooShort);
}

TEST(AccountRulesTest, TheFormsUsernameOrTheGivenOneIsChecked) {
    Form with_field = password_form("kestrelvoq7", "kestrelvoq7", "kestrelvoq7");
    check_new_password(with_field);
    ASSERT_NE(with_field.error("password"), nullptr);
    EXPECT_EQ(*with_field.error("password"), kPasswordHasUsername);
    Form given = password_form("kestrelvoq7", "kestrelvoq7");
    check_new_password(given, "Kestrelvoq7");
    ASSERT_NE(given.error("password"), nullptr);
    EXPECT_EQ(*given.error("password"), kPasswordHasUsername);
}

TEST(AccountRulesTest, AGoodPasswordTypedTwiceIsAccepted) {
    Form form = password_form("correct horse battery staple", "correct horse battery staple");
    check_new_password(form);
    EXPECT_TRUE(form.valid());
    Form different = password_form("correct horse battery staple", "correct horse battery");
    check_new_password(different);
    EXPECT_EQ(different.error("password"), nullptr);
    ASSERT_NE(different.error("password2"), nullptr);
    EXPECT_EQ(*different.error("password2"), "Field must be equal to password.");
}

TEST(AccountRulesTest, TheFormsOwnErrorsComeFirst) {
    Form blank = password_form("", "");
    check_new_password(blank);
    ASSERT_NE(blank.error("password"), nullptr);
    EXPECT_EQ(*blank.error("password"), "This field is required.");
    std::string long_one = random_looking(1025);
    Form too_long = password_form(long_one, long_one);
    check_new_password(too_long);
    ASSERT_NE(too_long.error("password"), nullptr);
    EXPECT_EQ(*too_long.error("password"), "Field cannot be longer than 1024 bytes.");
}

}  // namespace
}  // namespace microblog
