// Tests for core/accounts/events: how names and addresses are written on an event line, so no
// client input can end the quotes, add a field or start another line.
#include "core/accounts/events.h"

#include <gtest/gtest.h>

#include <string>

namespace microblog {
namespace {

TEST(QuotedForLog, PlainTextIsOnlyQuoted) {
    EXPECT_EQ(quoted_for_log(""), "\"\"");
    EXPECT_EQ(quoted_for_log("alice"), "\"alice\"");
    EXPECT_EQ(quoted_for_log("a b=c ip=1.2.3.4 ~"), "\"a b=c ip=1.2.3.4 ~\"");
}

TEST(QuotedForLog, QuotesAndBackslashesAreEscaped) {
    EXPECT_EQ(quoted_for_log("a\"b"), "\"a\\\"b\"");
    EXPECT_EQ(quoted_for_log("a\\b"), "\"a\\\\b\"");
    EXPECT_EQ(quoted_for_log("\" ip=6.6.6.6"), "\"\\\" ip=6.6.6.6\"");
}

TEST(QuotedForLog, ControlBytesAreHexEscaped) {
    EXPECT_EQ(quoted_for_log(std::string("a\0b", 3)), "\"a\\x00b\"");
    EXPECT_EQ(quoted_for_log("a\nb\rc\td"), "\"a\\x0ab\\x0dc\\x09d\"");
    EXPECT_EQ(quoted_for_log("\x1b[31m"), "\"\\x1b[31m\"");
    EXPECT_EQ(quoted_for_log("\x1f\x7f"), "\"\\x1f\\x7f\"");
}

TEST(QuotedForLog, WellFormedUtf8IsKept) {
    EXPECT_EQ(quoted_for_log("jos\xc3\xa9"), "\"jos\xc3\xa9\"");            // é
    EXPECT_EQ(quoted_for_log("\xc2\xa0"), "\"\xc2\xa0\"");                  // U+00A0
    EXPECT_EQ(quoted_for_log("\xe2\x82\xac"), "\"\xe2\x82\xac\"");          // €
    EXPECT_EQ(quoted_for_log("\xe2\x80\xa7"), "\"\xe2\x80\xa7\"");          // U+2027
    EXPECT_EQ(quoted_for_log("\xe2\x80\xaa"), "\"\xe2\x80\xaa\"");          // U+202A
    EXPECT_EQ(quoted_for_log("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");  // U+1F600
    EXPECT_EQ(quoted_for_log("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"");  // U+10FFFF
    EXPECT_EQ(quoted_for_log("\xed\x9f\xbf\xee\x80\x80"), "\"\xed\x9f\xbf\xee\x80\x80\"");
}

TEST(QuotedForLog, LineBreakingCodePointsAreEscaped) {
    EXPECT_EQ(quoted_for_log("a\xc2\x85z"), "\"a\\u0085z\"");  // NEL
    EXPECT_EQ(quoted_for_log("\xc2\x80\xc2\x9f"), "\"\\u0080\\u009f\"");
    EXPECT_EQ(quoted_for_log("\xe2\x80\xa8"), "\"\\u2028\"");
    EXPECT_EQ(quoted_for_log("\xe2\x80\xa9"), "\"\\u2029\"");
}

TEST(QuotedForLog, InvalidUtf8IsWrittenByteByByte) {
    EXPECT_EQ(quoted_for_log("\xff"), "\"\\xff\"");
    EXPECT_EQ(quoted_for_log("\x80z"), "\"\\x80z\"");                           // lone continuation
    EXPECT_EQ(quoted_for_log("\xc0\xaf"), "\"\\xc0\\xaf\"");                    // overlong '/'
    EXPECT_EQ(quoted_for_log("\xe0\x9f\xbf"), "\"\\xe0\\x9f\\xbf\"");           // overlong U+07FF
    EXPECT_EQ(quoted_for_log("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\"");           // surrogate
    EXPECT_EQ(quoted_for_log("\xf4\x90\x80\x80"), "\"\\xf4\\x90\\x80\\x80\"");  // past U+10FFFF
    EXPECT_EQ(quoted_for_log("\xf5\x80\x80\x80"), "\"\\xf5\\x80\\x80\\x80\"");
    EXPECT_EQ(quoted_for_log("\xe2\x82"), "\"\\xe2\\x82\"");  // truncated at the end
    // A broken sequence costs only its lead byte: what follows is read afresh.
    EXPECT_EQ(quoted_for_log("\xe2\x82\xc3\xa9"), "\"\\xe2\\x82\xc3\xa9\"");
    EXPECT_EQ(quoted_for_log("\xe2\x82\n"), "\"\\xe2\\x82\\x0a\"");
    EXPECT_EQ(quoted_for_log("\xc3\x22"), "\"\\xc3\\\"\"");
}

TEST(AddressForLog, PlainAddressesAreKept) {
    EXPECT_EQ(address_for_log("192.0.2.1"), "192.0.2.1");
    EXPECT_EQ(address_for_log("2001:db8::1"), "2001:db8::1");
    EXPECT_EQ(address_for_log("unix-socket"), "unix-socket");
}

TEST(AddressForLog, EmptyIsADash) {
    EXPECT_EQ(address_for_log(""), "-");
}

TEST(AddressForLog, AnythingElseIsQuoted) {
    EXPECT_EQ(address_for_log("1.2.3.4 user=x"), "\"1.2.3.4 user=x\"");
    EXPECT_EQ(address_for_log("1.2.3.4\nlogin ok"), "\"1.2.3.4\\x0alogin ok\"");
    EXPECT_EQ(address_for_log("fe80::1%eth0"), "\"fe80::1%eth0\"");
}

}  // namespace
}  // namespace microblog
