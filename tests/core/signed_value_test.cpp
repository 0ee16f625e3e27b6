// Tests for core/signed_value: Signer's sign/verify round trip and everything it must refuse.
#include "core/signed_value.h"

#include <gtest/gtest.h>

#include <string>

#include "core/crypto.h"
#include "core/encoding.h"

namespace microblog {
namespace {

const std::string kKey(32, 'k');

TEST(Signer, RoundTrips) {
    Signer signer(kKey);
    for (const std::string& data :
         {std::string(), std::string("42"), std::string("user:7\nmore"),
          std::string("\x00\xff\x80 binary", 10), std::string(1000, 'x')}) {
        std::string value = signer.sign("session", data);
        EXPECT_EQ(signer.verify("session", value), data);
    }
}

TEST(Signer, ValueIsBase64UrlDataDotMac) {
    Signer signer(kKey);
    std::string value = signer.sign("session", "hello");
    EXPECT_EQ(value, base64url_encode("hello") + "." + signer.mac("session", "hello"));
    EXPECT_EQ(signer.mac("session", "hello"),
              base64url_encode(hmac_sha256(kKey, "session", "hello")));
    // Cookie-safe: no '=', ';', ',', space or quote.
    EXPECT_EQ(value.find_first_of("=;, \"+/"), std::string::npos);
}

TEST(Signer, RejectsTamperedData) {
    Signer signer(kKey);
    std::string value = signer.sign("session", "user=1");
    std::string forged = base64url_encode("user=2") + value.substr(value.find('.'));
    EXPECT_FALSE(signer.verify("session", forged).has_value());
    // Flipping any one character of the data part.
    for (size_t i = 0; i < value.find('.'); ++i) {
        std::string tampered = value;
        tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(signer.verify("session", tampered).has_value()) << tampered;
    }
}

TEST(Signer, RejectsTamperedMac) {
    Signer signer(kKey);
    std::string value = signer.sign("session", "user=1");
    for (size_t i = value.find('.') + 1; i < value.size(); ++i) {
        std::string tampered = value;
        tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(signer.verify("session", tampered).has_value()) << tampered;
    }
}

TEST(Signer, RejectsTruncatedValues) {
    Signer signer(kKey);
    std::string value = signer.sign("session", "user=1");
    for (size_t length = 0; length < value.size(); ++length) {
        EXPECT_FALSE(signer.verify("session", value.substr(0, length)).has_value()) << length;
    }
    EXPECT_FALSE(signer.verify("session", value.substr(1)).has_value());
}

TEST(Signer, RejectsExtraCharacters) {
    Signer signer(kKey);
    std::string value = signer.sign("session", "user=1");
    EXPECT_FALSE(signer.verify("session", value + "A").has_value());
    EXPECT_FALSE(signer.verify("session", value + ".").has_value());
    EXPECT_FALSE(signer.verify("session", "A" + value).has_value());
    EXPECT_FALSE(signer.verify("session", " " + value).has_value());
}

TEST(Signer, RejectsValueWithoutDot) {
    Signer signer(kKey);
    std::string value = signer.sign("session", "user=1");
    std::string no_dot = value;
    no_dot.erase(no_dot.find('.'), 1);
    EXPECT_FALSE(signer.verify("session", no_dot).has_value());
}

TEST(Signer, RejectsOtherPurpose) {
    Signer signer(kKey);
    std::string value = signer.sign("session", "user=1");
    EXPECT_FALSE(signer.verify("flash", value).has_value());
    EXPECT_FALSE(signer.verify("", value).has_value());
    EXPECT_FALSE(signer.verify("sessio", value).has_value());
}

TEST(Signer, RejectsOtherKey) {
    Signer signer(kKey);
    Signer other(std::string(31, 'k') + "j");
    std::string value = signer.sign("session", "user=1");
    EXPECT_FALSE(other.verify("session", value).has_value());
    EXPECT_TRUE(signer.verify("session", value).has_value());
}

TEST(Signer, RejectsOversizedValues) {
    Signer signer(kKey);
    // Data of 1490 bytes signs to 1987 + 1 + 43 = 2031 characters: accepted.
    std::string fits = signer.sign("p", std::string(1490, 'x'));
    ASSERT_LE(fits.size(), 2048u);
    EXPECT_TRUE(signer.verify("p", fits).has_value());
    // Data of 1600 bytes signs to more than 2048 characters: refused though genuine.
    std::string oversized = signer.sign("p", std::string(1600, 'x'));
    ASSERT_GT(oversized.size(), 2048u);
    EXPECT_FALSE(signer.verify("p", oversized).has_value());
}

TEST(Signer, BoundaryAt2048Characters) {
    Signer signer(kKey);
    // base64url of n bytes (n % 3 == 0) is 4n/3 characters; the MAC is 43: 4n/3 + 44 total.
    std::string at_limit = signer.sign("p", std::string(1503, 'x'));
    ASSERT_EQ(at_limit.size(), 2048u);
    EXPECT_TRUE(signer.verify("p", at_limit).has_value());
    std::string over_limit = signer.sign("p", std::string(1504, 'x'));
    ASSERT_EQ(over_limit.size(), 2050u);
    EXPECT_FALSE(signer.verify("p", over_limit).has_value());
}

TEST(Signer, RejectsGarbageAndEmpty) {
    Signer signer(kKey);
    for (const std::string& garbage :
         {std::string(), std::string("."), std::string(".."), std::string("abc"),
          std::string("abc.def"), std::string("!!!.???"), std::string("Zg==.abc"),
          std::string(5000, '.'), std::string("\xff\xfe.\x00", 4)}) {
        EXPECT_FALSE(signer.verify("session", garbage).has_value()) << garbage;
    }
}

TEST(Signer, SignsEmptyDataWithAnEmptyDataPart) {
    Signer signer(kKey);
    // "." + MAC of "" is the genuine signature of "", and verifies; any other data does not.
    std::string empty = signer.sign("p", "");
    EXPECT_EQ(empty[0], '.');
    EXPECT_EQ(signer.verify("p", empty), std::string());
    EXPECT_FALSE(signer.verify("p", "Zg" + empty).has_value());
}

TEST(Signer, MacDependsOnPurposeAndData) {
    Signer signer(kKey);
    EXPECT_EQ(signer.mac("csrf", "a"), signer.mac("csrf", "a"));
    EXPECT_NE(signer.mac("csrf", "a"), signer.mac("csrf", "b"));
    EXPECT_NE(signer.mac("csrf", "a"), signer.mac("flash", "a"));
    EXPECT_NE(signer.mac("csrf", "a"), Signer(std::string(32, 'z')).mac("csrf", "a"));
    EXPECT_EQ(signer.mac("csrf", "a").size(), 43u);
}

}  // namespace
}  // namespace microblog
