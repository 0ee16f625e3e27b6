// Tests for core/flash: one-shot messages in a signed cookie.
#include "core/pages/flash.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace microblog {
namespace {

using Messages = std::vector<std::string>;

const Signer kSigner(std::string(32, 'k'));
const CookiePolicy kCookies(false);

// The cookie value of a Set-Cookie header "flash=<value>; Path=/; ...".
std::string value_of(const std::string& set_cookie) {
    std::string prefix = std::string(kFlashCookie) + "=";
    EXPECT_EQ(set_cookie.rfind(prefix, 0), 0u) << set_cookie;
    size_t end = set_cookie.find(';');
    return set_cookie.substr(prefix.size(), end - prefix.size());
}

Messages round_trip(const Messages& messages) {
    return read_flashes(kSigner, {value_of(flash_cookie(kSigner, kCookies, messages))});
}

TEST(Flash, RoundTripsOneMessage) {
    EXPECT_EQ(round_trip({"Congratulations, you are now a registered user!"}),
              Messages{"Congratulations, you are now a registered user!"});
}

TEST(Flash, RoundTripsSeveralMessagesInOrder) {
    Messages messages = {"first", "second; with a semicolon", "third, with = and \"quotes\""};
    EXPECT_EQ(round_trip(messages), messages);
}

TEST(Flash, RoundTripsNonAsciiAndMarkup) {
    Messages messages = {"Willkommen, J\xc3\xbcrgen! \xf0\x9f\x8e\x89", "<b>not bold</b>"};
    EXPECT_EQ(round_trip(messages), messages);
}

TEST(Flash, CookieHasTheSitesAttributes) {
    std::string cookie = flash_cookie(kSigner, kCookies, {"hello"});
    EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;
    // The value itself must not need quoting or break the header.
    std::string value = value_of(cookie);
    EXPECT_EQ(value.find_first_of(" ;,\"\\\r\n"), std::string::npos) << value;
    std::string secure = flash_cookie(kSigner, CookiePolicy(true), {"hello"});
    EXPECT_EQ(secure.rfind("__Host-flash=", 0), 0u) << secure;
}

TEST(Flash, TamperedCookieGivesNoMessages) {
    std::string value = value_of(flash_cookie(kSigner, kCookies, {"genuine"}));
    std::string tampered = value;
    tampered[0] = tampered[0] == 'A' ? 'B' : 'A';
    EXPECT_EQ(read_flashes(kSigner, {tampered}), Messages{});
    EXPECT_EQ(read_flashes(kSigner, {value.substr(0, value.size() - 1)}), Messages{});
    EXPECT_EQ(read_flashes(kSigner, {"garbage"}), Messages{});
    EXPECT_EQ(read_flashes(kSigner, {""}), Messages{});
    EXPECT_EQ(read_flashes(kSigner, {}), Messages{});
}

TEST(Flash, ForgedMessageGivesNoMessages) {
    // Same shape, other key: a visitor cannot make the site say what it never said.
    Signer attacker(std::string(32, 'a'));
    std::string forged = value_of(flash_cookie(attacker, kCookies, {"Your account is locked"}));
    EXPECT_EQ(read_flashes(kSigner, {forged}), Messages{});
}

TEST(Flash, ValueSignedForAnotherPurposeGivesNoMessages) {
    EXPECT_EQ(read_flashes(kSigner, {kSigner.sign("session", "hello")}), Messages{});
}

TEST(Flash, FirstValidOfSeveralValuesWins) {
    std::string first = value_of(flash_cookie(kSigner, kCookies, {"first"}));
    std::string second = value_of(flash_cookie(kSigner, kCookies, {"second", "more"}));
    EXPECT_EQ(read_flashes(kSigner, {"garbage", first, second}), Messages{"first"});
    EXPECT_EQ(read_flashes(kSigner, {second, first}), (Messages{"second", "more"}));
    EXPECT_EQ(read_flashes(kSigner, {"x.y", second}), (Messages{"second", "more"}));
}

TEST(Flash, NoMessagesForEmptyList) {
    EXPECT_EQ(round_trip({}), Messages{});
}

TEST(Flash, ReadsThroughTheCookieHeader) {
    std::string set_cookie = flash_cookie(kSigner, kCookies, {"saved"});
    std::string header = "session=s; " + set_cookie.substr(0, set_cookie.find(';')) + "; x=y";
    EXPECT_EQ(read_flashes(kSigner, cookie_values(header, kCookies.name(kFlashCookie))),
              Messages{"saved"});
}

}  // namespace
TEST(Notice, LoginRequiredCodeGivesTheTutorialsSentence) {
    EXPECT_EQ(notice_message({"login_required"}), "Please log in to access this page.");
    EXPECT_EQ(notice_message({"junk", "login_required"}), "Please log in to access this page.");
}

TEST(Notice, UnknownOrAbsentCodesGiveNothing) {
    EXPECT_EQ(notice_message({}), std::nullopt);
    EXPECT_EQ(notice_message({"<script>", "Login_Required", ""}), std::nullopt);
}

}  // namespace microblog
