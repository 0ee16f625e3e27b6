// Tests for core/encoding: base64url, hex and percent-encoding.
#include "core/http/encoding.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace microblog {
namespace {

std::string random_string(std::mt19937& rng, size_t length) {
    std::uniform_int_distribution<int> byte(0, 255);
    std::string s(length, '\0');
    for (char& c : s)
        c = static_cast<char>(byte(rng));
    return s;
}

TEST(Base64Url, RoundTripsRandomBytesOfEveryLengthUpTo40) {
    std::mt19937 rng(12345);
    for (size_t length = 0; length <= 40; ++length) {
        for (int round = 0; round < 20; ++round) {
            std::string bytes = random_string(rng, length);
            std::string encoded = base64url_encode(bytes);
            EXPECT_EQ(encoded.size(), (length * 4 + 2) / 3) << "length " << length;
            EXPECT_EQ(
                encoded.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789-_"),
                std::string::npos)
                << encoded;
            std::optional<std::string> decoded = base64url_decode(encoded);
            ASSERT_TRUE(decoded.has_value()) << "length " << length << ": " << encoded;
            EXPECT_EQ(*decoded, bytes) << "length " << length;
        }
    }
}

TEST(Base64Url, EncodesKnownVectorsWithoutPadding) {
    // RFC 4648 section 10 vectors, with the padding removed.
    EXPECT_EQ(base64url_encode(""), "");
    EXPECT_EQ(base64url_encode("f"), "Zg");
    EXPECT_EQ(base64url_encode("fo"), "Zm8");
    EXPECT_EQ(base64url_encode("foo"), "Zm9v");
    EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
    EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
    EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Url, UsesTheUrlSafeAlphabet) {
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_EQ(base64url_encode("\xff\xff\xff"), "____");
    EXPECT_EQ(base64url_encode(std::string("\xfb\xef\xbe", 3)), "----");
    EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff"));
}

TEST(Base64Url, RejectsPadding) {
    EXPECT_FALSE(base64url_decode("Zg==").has_value());
    EXPECT_FALSE(base64url_decode("Zm8=").has_value());
    EXPECT_FALSE(base64url_decode("=").has_value());
}

TEST(Base64Url, RejectsTheStandardAlphabetsPlusAndSlash) {
    EXPECT_FALSE(base64url_decode("+_8").has_value());
    EXPECT_FALSE(base64url_decode("-/8").has_value());
    EXPECT_FALSE(base64url_decode("++++").has_value());
    EXPECT_FALSE(base64url_decode("////").has_value());
}

TEST(Base64Url, RejectsOtherCharacters) {
    EXPECT_FALSE(base64url_decode("Zm9 v").has_value());
    EXPECT_FALSE(base64url_decode("Zm9v\n").has_value());
    EXPECT_FALSE(base64url_decode("Zm.v").has_value());
    EXPECT_FALSE(base64url_decode(std::string("Zm\0v", 4)).has_value());
    EXPECT_FALSE(base64url_decode("Zm9v\xc3\xa9").has_value());
}

TEST(Base64Url, RejectsImpossibleLengths) {
    // 4n+1 characters carry 6 bits too few to make another byte.
    EXPECT_FALSE(base64url_decode("A").has_value());
    EXPECT_FALSE(base64url_decode("Zm9vY").has_value());
    EXPECT_FALSE(base64url_decode("Zm9vYmFyA").has_value());
}

TEST(Base64Url, RejectsNonZeroTrailingBits) {
    // "Zg" is the only encoding of "f": "Zh".."Zv" differ only in the unused low bits.
    EXPECT_EQ(base64url_decode("Zg"), std::string("f"));
    EXPECT_FALSE(base64url_decode("Zh").has_value());
    EXPECT_FALSE(base64url_decode("Zv").has_value());
    EXPECT_EQ(base64url_decode("Zm8"), std::string("fo"));
    EXPECT_FALSE(base64url_decode("Zm9").has_value());
    EXPECT_FALSE(base64url_decode("Zm_").has_value());
}

TEST(Base64Url, EveryByteStringHasExactlyOneEncoding) {
    // All 2-character strings: those that decode must be the encoding of what they decode to.
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int accepted = 0;
    for (char a : alphabet) {
        for (char b : alphabet) {
            std::string text{a, b};
            if (std::optional<std::string> decoded = base64url_decode(text)) {
                ++accepted;
                EXPECT_EQ(base64url_encode(*decoded), text);
            }
        }
    }
    EXPECT_EQ(accepted, 256);
}

TEST(Hex, RoundTripsAllByteValues) {
    std::string all;
    for (int i = 0; i < 256; ++i)
        all += static_cast<char>(i);
    std::string encoded = hex_encode(all);
    EXPECT_EQ(encoded.size(), 512u);
    EXPECT_EQ(encoded.substr(0, 8), "00010203");
    EXPECT_EQ(encoded.substr(504), "fcfdfeff");
    EXPECT_EQ(hex_decode(encoded), all);
}

TEST(Hex, EncodesLowerCaseAndDecodesEitherCase) {
    EXPECT_EQ(hex_encode("\xab\xcd"), "abcd");
    EXPECT_EQ(hex_encode(""), "");
    EXPECT_EQ(hex_decode("ABCD"), std::string("\xab\xcd"));
    EXPECT_EQ(hex_decode("aBcD"), std::string("\xab\xcd"));
    EXPECT_EQ(hex_decode(""), std::string());
    EXPECT_EQ(hex_decode("73757361"), std::string("susa"));
}

TEST(Hex, RejectsOddLength) {
    EXPECT_FALSE(hex_decode("a").has_value());
    EXPECT_FALSE(hex_decode("abc").has_value());
}

TEST(Hex, RejectsNonHexCharacters) {
    EXPECT_FALSE(hex_decode("zz").has_value());
    EXPECT_FALSE(hex_decode("0g").has_value());
    EXPECT_FALSE(hex_decode("g0").has_value());
    EXPECT_FALSE(hex_decode(" a").has_value());
    EXPECT_FALSE(hex_decode("0x12").has_value());
    EXPECT_FALSE(hex_decode(std::string("\0\0", 2)).has_value());
}

TEST(UrlEncodeComponent, EncodesReservedCharacters) {
    EXPECT_EQ(url_encode_component("/a?b=1&c=2"), "%2Fa%3Fb%3D1%26c%3D2");
    EXPECT_EQ(url_encode_component("a b+c%d#e"), "a%20b%2Bc%25d%23e");
}

TEST(UrlEncodeComponent, KeepsOnlyUnreservedCharacters) {
    const std::string unreserved =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    EXPECT_EQ(url_encode_component(unreserved), unreserved);
    for (int i = 0; i < 256; ++i) {
        char c = static_cast<char>(i);
        std::string encoded = url_encode_component(std::string(1, c));
        if (unreserved.find(c) != std::string::npos) {
            EXPECT_EQ(encoded, std::string(1, c));
        } else {
            static const char kHex[] = "0123456789ABCDEF";
            std::string expected = {'%', kHex[i >> 4], kHex[i & 15]};
            EXPECT_EQ(encoded, expected) << "byte " << i;
        }
    }
}

TEST(UrlEncodeComponent, EncodesUtf8BytesAndLineBreaks) {
    EXPECT_EQ(url_encode_component("jos\xc3\xa9"), "jos%C3%A9");
    EXPECT_EQ(url_encode_component("a\r\nb"), "a%0D%0Ab");
    EXPECT_EQ(url_encode_component(std::string("a\0b", 3)), "a%00b");
}

TEST(UrlEncodePathAndQuery, KeepsPathAndQueryDelimiters) {
    EXPECT_EQ(url_encode_path_and_query("/user/susan?tab=posts&x=1"), "/user/susan?tab=posts&x=1");
    EXPECT_EQ(url_encode_path_and_query("/a:b@c!$'()*+,;=%41"), "/a:b@c!$'()*+,;=%41");
}

TEST(UrlEncodePathAndQuery, EncodesWhatCannotAppearInAUrl) {
    EXPECT_EQ(url_encode_path_and_query("/a b"), "/a%20b");
    EXPECT_EQ(url_encode_path_and_query("/a\r\nSet-Cookie: x=y"), "/a%0D%0ASet-Cookie:%20x=y");
    EXPECT_EQ(url_encode_path_and_query("/\"><script>"), "/%22%3E%3Cscript%3E");
    EXPECT_EQ(url_encode_path_and_query("/jos\xc3\xa9"), "/jos%C3%A9");
    EXPECT_EQ(url_encode_path_and_query(std::string("/\0\t\x7f", 4)), "/%00%09%7F");
    EXPECT_EQ(url_encode_path_and_query("/a\\b#c{d}|^`"), "/a%5Cb%23c%7Bd%7D%7C%5E%60");
}

TEST(UrlEncodePathAndQuery, OutputContainsOnlyUrlCharacters) {
    std::string all;
    for (int i = 0; i < 256; ++i)
        all += static_cast<char>(i);
    std::string encoded = url_encode_path_and_query(all);
    for (char c : encoded) {
        auto u = static_cast<unsigned char>(c);
        EXPECT_TRUE(u > 0x20 && u < 0x7F) << "byte " << int(u);
        EXPECT_EQ(std::string("\"<>\\^`{|} ").find(c), std::string::npos) << c;
    }
}

}  // namespace
}  // namespace microblog
