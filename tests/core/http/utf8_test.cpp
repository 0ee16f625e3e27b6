// Tests for core/utf8: UTF-8 validation, decoding, code point counting and control-character
// detection.
#include "core/http/utf8.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace microblog {
namespace {

TEST(Utf8, AcceptsWellFormedSequencesOfEveryLength) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("hello"));
    EXPECT_TRUE(is_valid_utf8("\xc3\xa9"));              // é U+00E9
    EXPECT_TRUE(is_valid_utf8("\xc2\x80"));              // U+0080, smallest 2-byte
    EXPECT_TRUE(is_valid_utf8("\xdf\xbf"));              // U+07FF
    EXPECT_TRUE(is_valid_utf8("\xe0\xa0\x80"));          // U+0800, smallest 3-byte
    EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));          // € U+20AC
    EXPECT_TRUE(is_valid_utf8("\xed\x9f\xbf"));          // U+D7FF, just below the surrogates
    EXPECT_TRUE(is_valid_utf8("\xee\x80\x80"));          // U+E000, just above them
    EXPECT_TRUE(is_valid_utf8("\xef\xbf\xbf"));          // U+FFFF
    EXPECT_TRUE(is_valid_utf8("\xf0\x90\x80\x80"));      // U+10000, smallest 4-byte
    EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));      // 😀 U+1F600
    EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));      // U+10FFFF, the last code point
    EXPECT_TRUE(is_valid_utf8(std::string("a\0b", 3)));  // NUL is valid UTF-8 (not valid text)
    EXPECT_TRUE(is_valid_utf8("jos\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80!"));
}

TEST(Utf8, RejectsOverlongForms) {
    EXPECT_FALSE(is_valid_utf8("\xc0\x80"));  // NUL in two bytes
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));  // '/'
    EXPECT_FALSE(is_valid_utf8("\xc1\xbf"));
    EXPECT_FALSE(is_valid_utf8("\xe0\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xe0\x9f\xbf"));  // U+07FF in three bytes
    EXPECT_FALSE(is_valid_utf8("\xf0\x80\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xf0\x8f\xbf\xbf"));  // U+FFFF in four bytes
}

TEST(Utf8, RejectsSurrogates) {
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));              // U+D800
    EXPECT_FALSE(is_valid_utf8("\xed\xbf\xbf"));              // U+DFFF
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\xbd\xed\xb8\x80"));  // CESU-8 pair for U+1F600
}

TEST(Utf8, RejectsValuesPastU10FFFF) {
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xf5\x80\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xf7\xbf\xbf\xbf"));
    EXPECT_FALSE(is_valid_utf8("\xf8\x88\x80\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("\xfe"));
    EXPECT_FALSE(is_valid_utf8("\xff"));
}

TEST(Utf8, RejectsTruncatedSequences) {
    EXPECT_FALSE(is_valid_utf8("\xc3"));
    EXPECT_FALSE(is_valid_utf8("a\xc3"));
    EXPECT_FALSE(is_valid_utf8("\xe2\x82"));
    EXPECT_FALSE(is_valid_utf8("\xf0\x9f\x98"));
    EXPECT_FALSE(is_valid_utf8("\xf0\x9f"));
    EXPECT_FALSE(is_valid_utf8("\xc3 "));             // interrupted by ASCII
    EXPECT_FALSE(is_valid_utf8("\xe2\x82 abc"));      // interrupted by ASCII
    EXPECT_FALSE(is_valid_utf8("\xf0\x9f\x98z"));     // interrupted by ASCII
    EXPECT_FALSE(is_valid_utf8("\xe2\x82\xc3\xa9"));  // interrupted by a lead byte
}

TEST(Utf8, RejectsLoneContinuationBytes) {
    EXPECT_FALSE(is_valid_utf8("\x80"));
    EXPECT_FALSE(is_valid_utf8("\xbf"));
    EXPECT_FALSE(is_valid_utf8("a\x80z"));
    EXPECT_FALSE(is_valid_utf8("\xc3\xa9\xa9"));  // one continuation byte too many
}

TEST(Utf8, LengthCountsCodePoints) {
    EXPECT_EQ(utf8_length(""), 0u);
    EXPECT_EQ(utf8_length("abc"), 3u);
    EXPECT_EQ(utf8_length("\xc3\xa9"), 1u);
    EXPECT_EQ(utf8_length("jos\xc3\xa9"), 4u);
    EXPECT_EQ(utf8_length("\xe2\x82\xac"), 1u);
    EXPECT_EQ(utf8_length("\xf0\x9f\x98\x80"), 1u);
    EXPECT_EQ(utf8_length("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z"), 5u);
    EXPECT_EQ(utf8_length(std::string("\0\0", 2)), 2u);
    std::string e64;
    for (int i = 0; i < 64; ++i)
        e64 += "\xc3\xa9";
    EXPECT_EQ(utf8_length(e64), 64u);
}

TEST(Utf8, LengthIsEmptyForInvalidText) {
    EXPECT_FALSE(utf8_length("\xc0\x80").has_value());
    EXPECT_FALSE(utf8_length("abc\xff").has_value());
    EXPECT_FALSE(utf8_length("\xe2\x82").has_value());
}

// The code point and length at `i`, or {0, 0} when nothing decodes there: comparable in EXPECT_EQ.
std::pair<char32_t, size_t> decoded_at(std::string_view text, size_t i) {
    std::optional<DecodedCodePoint> decoded = decode_utf8_at(text, i);
    if (!decoded)
        return {0, 0};
    return {decoded->code_point, decoded->length};
}

TEST(Utf8, DecodesOneCodePointOfEveryLength) {
    EXPECT_EQ(decoded_at("a", 0), std::make_pair(U'a', size_t{1}));
    EXPECT_EQ(decoded_at(std::string(1, '\0'), 0), std::make_pair(U'\0', size_t{1}));
    EXPECT_EQ(decoded_at("\x7f", 0), std::make_pair(char32_t{0x7F}, size_t{1}));
    EXPECT_EQ(decoded_at("\xc2\x80", 0), std::make_pair(char32_t{0x80}, size_t{2}));
    EXPECT_EQ(decoded_at("\xc3\xa9", 0), std::make_pair(char32_t{0xE9}, size_t{2}));
    EXPECT_EQ(decoded_at("\xdf\xbf", 0), std::make_pair(char32_t{0x7FF}, size_t{2}));
    EXPECT_EQ(decoded_at("\xe0\xa0\x80", 0), std::make_pair(char32_t{0x800}, size_t{3}));
    EXPECT_EQ(decoded_at("\xe2\x80\xa8", 0), std::make_pair(char32_t{0x2028}, size_t{3}));
    EXPECT_EQ(decoded_at("\xed\x9f\xbf", 0), std::make_pair(char32_t{0xD7FF}, size_t{3}));
    EXPECT_EQ(decoded_at("\xef\xbf\xbf", 0), std::make_pair(char32_t{0xFFFF}, size_t{3}));
    EXPECT_EQ(decoded_at("\xf0\x90\x80\x80", 0), std::make_pair(char32_t{0x10000}, size_t{4}));
    EXPECT_EQ(decoded_at("\xf0\x9f\x98\x80", 0), std::make_pair(char32_t{0x1F600}, size_t{4}));
    EXPECT_EQ(decoded_at("\xf4\x8f\xbf\xbf", 0), std::make_pair(char32_t{0x10FFFF}, size_t{4}));
}

TEST(Utf8, DecodesAtAnOffsetAndOnlyOneCodePoint) {
    const std::string text = "a\xc3\xa9\xe2\x82\xac";
    EXPECT_EQ(decoded_at(text, 1), std::make_pair(char32_t{0xE9}, size_t{2}));
    EXPECT_EQ(decoded_at(text, 3), std::make_pair(char32_t{0x20AC}, size_t{3}));
    EXPECT_EQ(decoded_at(text, 2), std::make_pair(char32_t{0}, size_t{0}));  // a continuation
    EXPECT_FALSE(decode_utf8_at(text, text.size()).has_value());
    EXPECT_FALSE(decode_utf8_at("", 0).has_value());
}

TEST(Utf8, DecodesNothingWhereValidationFails) {
    for (const char* bad : {"\xc0\x80", "\xc1\xbf", "\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf",  // overlong
                            "\xed\xa0\x80", "\xed\xbf\xbf",                  // surrogates
                            "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff",  // too large
                            "\x80", "\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xe2\x82z"}) {  // cut
        EXPECT_FALSE(decode_utf8_at(bad, 0).has_value()) << testing::PrintToString(bad);
    }
}

// Every one- and two-byte string, and every three-byte one led by E0..EF: decoding agrees with
// validation, and the code point re-encodes to the bytes it came from.
TEST(Utf8, DecodingAgreesWithValidationAndRoundTrips) {
    auto encode = [](char32_t c) {
        std::string out;
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if (c < 0x800) {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out += static_cast<char>(0xE0 | (c >> 12));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (c >> 18));
            out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
        return out;
    };
    std::vector<std::string> texts;
    for (int a = 0; a < 256; ++a) {
        texts.push_back(std::string(1, static_cast<char>(a)));
        for (int b = 0; b < 256; ++b) {
            texts.push_back({static_cast<char>(a), static_cast<char>(b)});
            if (a >= 0xE0 && a <= 0xEF)
                for (int c = 0x80; c < 0xC0; ++c)
                    texts.push_back(
                        {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
        }
    }
    for (const std::string& text : texts) {
        std::optional<DecodedCodePoint> decoded = decode_utf8_at(text, 0);
        bool whole = decoded && decoded->length == text.size();
        ASSERT_EQ(whole, is_valid_utf8(text) && utf8_length(text) == 1u)
            << testing::PrintToString(text);
        if (decoded) {
            ASSERT_EQ(encode(decoded->code_point), text.substr(0, decoded->length))
                << testing::PrintToString(text);
        }
    }
}

TEST(Utf8, FindsControlCharacters) {
    EXPECT_TRUE(has_control_characters(std::string("a\0b", 3)));
    EXPECT_TRUE(has_control_characters(std::string(1, '\0')));
    EXPECT_TRUE(has_control_characters("a\tb"));
    EXPECT_TRUE(has_control_characters("a\nb"));
    EXPECT_TRUE(has_control_characters("a\rb"));
    EXPECT_TRUE(has_control_characters("\x1b[31m"));
    EXPECT_TRUE(has_control_characters("\x1f"));
    EXPECT_TRUE(has_control_characters("a\x7f"));
    EXPECT_TRUE(has_control_characters("a\xc2\x85z"));  // U+0085 NEL, a C1 control
    EXPECT_TRUE(has_control_characters("\xc2\x80"));    // U+0080
    EXPECT_TRUE(has_control_characters("\xc2\x9f"));    // U+009F
}

TEST(Utf8, PrintableTextHasNoControlCharacters) {
    EXPECT_FALSE(has_control_characters(""));
    EXPECT_FALSE(has_control_characters("Hello, world! ~"));
    EXPECT_FALSE(has_control_characters(" "));
    EXPECT_FALSE(has_control_characters("jos\xc3\xa9"));       // é
    EXPECT_FALSE(has_control_characters("\xf0\x9f\x98\x80"));  // emoji
    EXPECT_FALSE(has_control_characters("\xc2\xa0"));          // U+00A0, first after C1
    EXPECT_FALSE(has_control_characters("\xe2\x82\xac"));      // €
    EXPECT_FALSE(has_control_characters("\xc3\x85"));          // Å: 0x85 as a continuation
}

}  // namespace
}  // namespace microblog
