// Tests for core/utf8: UTF-8 validation, code point counting and control-character detection.
#include "core/http/utf8.h"

#include <gtest/gtest.h>

#include <string>

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
