// Tests for core/password: yescrypt hashing, verification, rehash detection, setting prefixes.
#include "core/accounts/password.h"

#include <crypt.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace microblog {
namespace {

// Low costs keep each hash at a few milliseconds.
constexpr unsigned long kCost = 3;

const PasswordHasher& hasher() {
    static const PasswordHasher instance(kCost);
    return instance;
}

// A hash made directly with libxcrypt for `prefix` ("$6$", "$y$"...) and `cost`.
std::string libxcrypt_hash(const std::string& password, const char* prefix, unsigned long cost) {
    char* setting = crypt_gensalt_ra(prefix, cost, nullptr, 0);
    EXPECT_NE(setting, nullptr);
    if (setting == nullptr)
        return "";
    crypt_data data{};
    const char* result = crypt_rn(password.c_str(), setting, &data, sizeof data);
    std::free(setting);
    EXPECT_NE(result, nullptr);
    return result == nullptr ? "" : result;
}

TEST(PasswordHasher, HashIsYescryptAndVerifies) {
    std::string hash = hasher().hash("correct horse");
    EXPECT_EQ(hash.rfind("$y$", 0), 0u) << hash;
    EXPECT_TRUE(hasher().verify("correct horse", hash));
}

TEST(PasswordHasher, HashUsesTheConfiguredCost) {
    std::string expected = hash_setting_prefix(libxcrypt_hash("x", "$y$", kCost));
    EXPECT_EQ(hash_setting_prefix(hasher().hash("correct horse")), expected);
    EXPECT_NE(hash_setting_prefix(PasswordHasher(1).hash("correct horse")), expected);
}

TEST(PasswordHasher, WrongPasswordFails) {
    std::string hash = hasher().hash("correct horse");
    EXPECT_FALSE(hasher().verify("correct horsf", hash));
    EXPECT_FALSE(hasher().verify("Correct horse", hash));
    EXPECT_FALSE(hasher().verify("correct horse ", hash));
    EXPECT_FALSE(hasher().verify("correct hors", hash));
    EXPECT_FALSE(hasher().verify("", hash));
}

TEST(PasswordHasher, EmptyPasswordHashesAndVerifies) {
    std::string hash = hasher().hash("");
    EXPECT_TRUE(hasher().verify("", hash));
    EXPECT_FALSE(hasher().verify("x", hash));
}

TEST(PasswordHasher, SaltMakesEveryHashDifferent) {
    std::string a = hasher().hash("same password");
    std::string b = hasher().hash("same password");
    EXPECT_NE(a, b);
    EXPECT_TRUE(hasher().verify("same password", a));
    EXPECT_TRUE(hasher().verify("same password", b));
}

TEST(PasswordHasher, LongPasswordsUseEveryCharacter) {
    // bcrypt would ignore everything past 72 bytes; yescrypt must not.
    std::string a(199, 'p');
    std::string b = a + "a";
    std::string c = a + "b";
    std::string hash = hasher().hash(b);
    EXPECT_TRUE(hasher().verify(b, hash));
    EXPECT_FALSE(hasher().verify(c, hash));
    EXPECT_FALSE(hasher().verify(a, hash));
}

TEST(PasswordHasher, HandlesA511BytePassword) {
    std::string password(511, 'p');
    std::string hash = hasher().hash(password);
    EXPECT_TRUE(hasher().verify(password, hash));
    EXPECT_FALSE(hasher().verify(std::string(510, 'p'), hash));
}

TEST(PasswordHasher, HandlesA1024BytePassword) {
    std::string password;
    for (int i = 0; i < 1024; ++i)
        password += static_cast<char>('!' + i % 90);
    std::string hash = hasher().hash(password);
    EXPECT_TRUE(hasher().verify(password, hash));
    std::string other = password;
    other[1023] = other[1023] == 'x' ? 'y' : 'x';
    EXPECT_FALSE(hasher().verify(other, hash));
}

TEST(PasswordHasher, LongPasswordsAroundLibxcryptsLimitAreDistinct) {
    // libxcrypt takes at most 511 bytes; longer ones must still hash, verify and differ.
    for (size_t length : {510u, 511u, 512u, 513u, 1023u, 1024u}) {
        std::string password(length, 'p');
        std::string hash = hasher().hash(password);
        EXPECT_TRUE(hasher().verify(password, hash)) << length;
        std::string last_differs = password;
        last_differs.back() = 'q';
        EXPECT_FALSE(hasher().verify(last_differs, hash)) << length;
        EXPECT_FALSE(hasher().verify(std::string(length - 1, 'p'), hash)) << length;
        EXPECT_FALSE(hasher().verify(std::string(length + 1, 'p'), hash)) << length;
    }
}

TEST(PasswordHasher, HandlesUtf8Passwords) {
    std::string hash = hasher().hash("p\xc3\xa4ssw\xc3\xb6rd \xf0\x9f\x94\x91");
    EXPECT_TRUE(hasher().verify("p\xc3\xa4ssw\xc3\xb6rd \xf0\x9f\x94\x91", hash));
    EXPECT_FALSE(hasher().verify("passw\xc3\xb6rd \xf0\x9f\x94\x91", hash));
}

TEST(PasswordHasher, PasswordWithNulIsRefused) {
    std::string with_nul("secret\0more", 11);
    EXPECT_THROW(hasher().hash(with_nul), std::invalid_argument);
    // crypt(3) would stop at the NUL: "secret" + anything must not match "secret".
    std::string hash = hasher().hash("secret");
    EXPECT_TRUE(hasher().verify("secret", hash));
    EXPECT_FALSE(hasher().verify(with_nul, hash));
    EXPECT_FALSE(hasher().verify(std::string("secret\0", 7), hash));
}

TEST(PasswordHasher, MalformedOrLockedHashesNeverVerify) {
    for (const std::string& stored :
         std::vector<std::string>{"", "*", "*0", "*1", "!locked", "!", "garbage", "$", "$y$",
                                  "$y$j9T$", "$y$j9T$$", "$6$", "$6$salt", "$zz$abc$def", "$1$",
                                  "$2b$04$", "x", std::string(5000, '$'), "\xff\xfe"}) {
        EXPECT_FALSE(hasher().verify("password", stored)) << stored;
        EXPECT_FALSE(hasher().verify("", stored)) << stored;
        EXPECT_FALSE(hasher().verify("*0", stored)) << stored;
    }
}

TEST(PasswordHasher, LockedHashOfTheRightPasswordDoesNotVerify) {
    std::string hash = hasher().hash("secret");
    EXPECT_FALSE(hasher().verify("secret", "!" + hash));
    EXPECT_FALSE(hasher().verify("secret", "*" + hash));
}

TEST(PasswordHasher, SettingOrTruncatedHashDoesNotVerify) {
    std::string hash = hasher().hash("secret");
    std::string setting = hash.substr(0, hash.rfind('$'));
    EXPECT_FALSE(hasher().verify("secret", setting));
    EXPECT_FALSE(hasher().verify("secret", setting + "$"));
    EXPECT_FALSE(hasher().verify("secret", hash.substr(0, hash.size() - 1)));
    EXPECT_FALSE(hasher().verify("secret", hash + "A"));
}

TEST(PasswordHasher, VerifiesOtherMethodsAndFlagsThemForRehash) {
    std::string sha512 = libxcrypt_hash("old password", "$6$", 0);
    ASSERT_EQ(sha512.rfind("$6$", 0), 0u) << sha512;
    EXPECT_TRUE(hasher().verify("old password", sha512));
    EXPECT_FALSE(hasher().verify("old passwore", sha512));
    EXPECT_TRUE(hasher().needs_rehash(sha512));
}

TEST(PasswordHasher, CurrentCostDoesNotNeedRehash) {
    EXPECT_FALSE(hasher().needs_rehash(hasher().hash("secret")));
    EXPECT_FALSE(hasher().needs_rehash(libxcrypt_hash("secret", "$y$", kCost)));
}

TEST(PasswordHasher, OtherYescryptCostNeedsRehash) {
    std::string cheaper = libxcrypt_hash("secret", "$y$", kCost - 1);
    std::string dearer = libxcrypt_hash("secret", "$y$", kCost + 1);
    EXPECT_TRUE(hasher().verify("secret", cheaper));
    EXPECT_TRUE(hasher().needs_rehash(cheaper));
    EXPECT_TRUE(hasher().needs_rehash(dearer));
    // A hasher configured for that cost is content with it.
    EXPECT_FALSE(PasswordHasher(kCost + 1).needs_rehash(dearer));
}

TEST(PasswordHasher, InvalidHashesNeedRehash) {
    EXPECT_TRUE(hasher().needs_rehash(""));
    EXPECT_TRUE(hasher().needs_rehash("*"));
    EXPECT_TRUE(hasher().needs_rehash("abcdefghijklm"));  // DES
}

TEST(PasswordHasher, TheDummyForUnknownUsersCostsWhatARealHashCosts) {
    // Same method and cost as new hashes, so verify_dummy() does the same work as verify().
    const std::string& dummy = hasher().dummy_hash();
    EXPECT_EQ(dummy.rfind("$y$", 0), 0u) << dummy;
    EXPECT_FALSE(hasher().needs_rehash(dummy)) << dummy;
    EXPECT_EQ(hash_setting_prefix(dummy), hash_setting_prefix(hasher().hash("x")));
    // And no password a visitor might try opens it.
    EXPECT_FALSE(hasher().verify("", dummy));
    EXPECT_FALSE(hasher().verify("password", dummy));
}

TEST(HashSettingPrefix, IsTheMethodAndParameters) {
    EXPECT_EQ(hash_setting_prefix("$y$j9T$salt$hash"), "$y$j9T$");
    EXPECT_EQ(hash_setting_prefix("$6$rounds=5000$salt$h"), "$6$rounds=5000$");
    EXPECT_EQ(hash_setting_prefix("$2b$12$abcdefghijklmnopqrstuv"), "$2b$12$");
    EXPECT_EQ(hash_setting_prefix("abcdef"), "");
    EXPECT_EQ(hash_setting_prefix(""), "");
    EXPECT_EQ(hash_setting_prefix("$y$"), "");
    EXPECT_EQ(hash_setting_prefix("$y"), "");
}

}  // namespace
}  // namespace microblog
