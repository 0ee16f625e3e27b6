// Tests for core/crypto: random bytes, SHA-256, purpose-bound HMAC and constant-time equality.
#include "core/crypto/crypto.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <set>
#include <string>

#include "core/http/encoding.h"

namespace microblog {
namespace {

// HMAC-SHA256 over purpose + NUL + data, computed here directly with OpenSSL.
std::string reference_hmac(const std::string& key, const std::string& purpose,
                           const std::string& data) {
    std::string message = purpose + std::string(1, '\0') + data;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length);
    return std::string(reinterpret_cast<char*>(mac), length);
}

TEST(RandomBytes, ReturnsTheRequestedLength) {
    for (size_t n : {0u, 1u, 16u, 32u, 33u, 1000u, 70000u}) {
        EXPECT_EQ(random_bytes(n).size(), n);
    }
}

TEST(RandomBytes, TwoCallsDiffer) {
    EXPECT_NE(random_bytes(32), random_bytes(32));
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i)
        seen.insert(random_bytes(16));
    EXPECT_EQ(seen.size(), 100u);
}

TEST(RandomBytes, FillsTheWholeBuffer) {
    // A buffer left partly unfilled would keep its zero bytes; 4 KiB of random data has
    // about 16 zeros, never 4096.
    std::string bytes = random_bytes(4096);
    size_t zeros = 0;
    for (char c : bytes)
        zeros += c == '\0';
    EXPECT_LT(zeros, 100u);
    EXPECT_NE(bytes.substr(2048), std::string(2048, '\0'));
}

TEST(Sha256, MatchesKnownAnswers) {
    EXPECT_EQ(hex_encode(sha256("")),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(hex_encode(sha256("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_NE(sha256(std::string("a\0b", 3)), sha256("a"));
}

TEST(HmacSha256, IsHmacOfPurposeNulData) {
    // RFC 4231 test case 2's key and data, with a purpose mixed in as documented.
    std::string key = "Jefe";
    std::string purpose = "session";
    std::string data = "what do ya want for nothing?";
    std::string mac = hmac_sha256(key, purpose, data);
    EXPECT_EQ(mac.size(), 32u);
    EXPECT_EQ(mac, reference_hmac(key, purpose, data));
}

TEST(HmacSha256, WithEmptyPurposeIsHmacOfNulThenData) {
    // Pins the construction: with purpose "" the message is "\0" + data.
    EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "", "what do ya want for nothing?")),
              hex_encode(reference_hmac("Jefe", "", "what do ya want for nothing?")));
    // And it is not plain HMAC of the data (RFC 4231 test case 2).
    EXPECT_NE(hex_encode(hmac_sha256("Jefe", "", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256, IsDeterministic) {
    EXPECT_EQ(hmac_sha256("key", "csrf", "data"), hmac_sha256("key", "csrf", "data"));
}

TEST(HmacSha256, DependsOnPurposeKeyAndData) {
    std::string base = hmac_sha256("key", "csrf", "data");
    EXPECT_NE(base, hmac_sha256("key", "flash", "data"));
    EXPECT_NE(base, hmac_sha256("key2", "csrf", "data"));
    EXPECT_NE(base, hmac_sha256("key", "csrf", "data2"));
    EXPECT_NE(base, hmac_sha256("", "csrf", "data"));
}

TEST(HmacSha256, SeparatesPurposeFromData) {
    // Without a separator ("a", "bc") and ("ab", "c") would both MAC "abc".
    EXPECT_NE(hmac_sha256("key", "a", "bc"), hmac_sha256("key", "ab", "c"));
    EXPECT_NE(hmac_sha256("key", "", "abc"), hmac_sha256("key", "abc", ""));
}

TEST(HmacSha256, HandlesBinaryKeysAndData) {
    std::string key("k\0ey", 4);
    std::string data("d\0ta", 4);
    EXPECT_EQ(hmac_sha256(key, "p", data), reference_hmac(key, "p", data));
    EXPECT_NE(hmac_sha256(key, "p", data), hmac_sha256("k", "p", data));
    EXPECT_NE(hmac_sha256(key, "p", data), hmac_sha256(key, "p", "d"));
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
    EXPECT_TRUE(constant_time_equal("", ""));
    EXPECT_TRUE(constant_time_equal("abc", "abc"));
    EXPECT_FALSE(constant_time_equal("abc", "abd"));
    EXPECT_FALSE(constant_time_equal("abc", "xbc"));
    EXPECT_FALSE(constant_time_equal("abc", "ab"));
    EXPECT_FALSE(constant_time_equal("ab", "abc"));
    EXPECT_FALSE(constant_time_equal("", "a"));
    EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
    EXPECT_TRUE(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
    EXPECT_FALSE(constant_time_equal(std::string("a\0", 2), "a"));
}

}  // namespace
}  // namespace microblog
