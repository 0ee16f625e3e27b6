// Tests for core/cookies: parsing the Cookie header and formatting Set-Cookie values.
#include "core/http/cookies.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace microblog {
namespace {

using Values = std::vector<std::string>;

TEST(CookieValues, FindsOneCookie) {
    EXPECT_EQ(cookie_values("session=abc", "session"), Values{"abc"});
    EXPECT_EQ(cookie_values("session=abc", "flash"), Values{});
    EXPECT_EQ(cookie_values("", "session"), Values{});
}

TEST(CookieValues, TrimsSpacesAroundNamesAndValues) {
    EXPECT_EQ(cookie_values("  session = abc  ", "session"), Values{"abc"});
    EXPECT_EQ(cookie_values("a=1;  session=abc", "session"), Values{"abc"});
    EXPECT_EQ(cookie_values("a=1;\tsession=abc\t;b=2", "session"), Values{"abc"});
}

TEST(CookieValues, PicksTheNamedCookieAmongSeveral) {
    std::string header = "theme=dark; session=abc.def; flash=xyz; presession=p1";
    EXPECT_EQ(cookie_values(header, "session"), Values{"abc.def"});
    EXPECT_EQ(cookie_values(header, "flash"), Values{"xyz"});
    EXPECT_EQ(cookie_values(header, "presession"), Values{"p1"});
    EXPECT_EQ(cookie_values(header, "theme"), Values{"dark"});
    EXPECT_EQ(cookie_values(header, "missing"), Values{});
}

TEST(CookieValues, ReturnsDuplicatesInHeaderOrder) {
    EXPECT_EQ(cookie_values("session=first; other=x; session=second", "session"),
              (Values{"first", "second"}));
    EXPECT_EQ(cookie_values("session=b; session=a; session=c", "session"), (Values{"b", "a", "c"}));
}

TEST(CookieValues, SkipsEntriesWithoutEquals) {
    EXPECT_EQ(cookie_values("session; session=abc; junk", "session"), Values{"abc"});
    EXPECT_EQ(cookie_values("session", "session"), Values{});
    EXPECT_EQ(cookie_values(";;;session=abc;;", "session"), Values{"abc"});
}

TEST(CookieValues, KeepsEqualsSignsInValues) {
    EXPECT_EQ(cookie_values("session=a=b=c", "session"), Values{"a=b=c"});
    EXPECT_EQ(cookie_values("session=", "session"), Values{""});
}

TEST(CookieValues, RemovesSurroundingQuotes) {
    EXPECT_EQ(cookie_values("session=\"abc\"", "session"), Values{"abc"});
    EXPECT_EQ(cookie_values("session=\"\"", "session"), Values{""});
    EXPECT_EQ(cookie_values("session=\"abc", "session"), Values{"\"abc"});
    EXPECT_EQ(cookie_values("session=\"", "session"), Values{"\""});
}

TEST(CookieValues, MatchesNamesExactly) {
    std::string header = "xsession=1; sessionx=2; Session=3; SESSION=4; __Host-session=5";
    EXPECT_EQ(cookie_values(header, "session"), Values{});
    EXPECT_EQ(cookie_values(header, "xsession"), Values{"1"});
    EXPECT_EQ(cookie_values(header, "__Host-session"), Values{"5"});
    EXPECT_EQ(cookie_values("session=ok; xsession=bad", "session"), Values{"ok"});
}

bool has_attribute(const std::string& set_cookie, const std::string& attribute) {
    // Attributes follow "; ", and none is a prefix of another here.
    std::string rest = set_cookie.substr(set_cookie.find(';'));
    return (rest + ";").find("; " + attribute + ";") != std::string::npos;
}

TEST(CookiePolicy, PlainHttpHasNoPrefixAndNoSecure) {
    CookiePolicy policy(false);
    EXPECT_EQ(policy.name("session"), "session");
    std::string cookie = policy.set("session", "abc");
    EXPECT_EQ(cookie.rfind("session=abc;", 0), 0u) << cookie;
    EXPECT_TRUE(has_attribute(cookie, "HttpOnly")) << cookie;
    EXPECT_TRUE(has_attribute(cookie, "SameSite=Lax")) << cookie;
    EXPECT_TRUE(has_attribute(cookie, "Path=/")) << cookie;
    EXPECT_EQ(cookie.find("Secure"), std::string::npos) << cookie;
    EXPECT_EQ(cookie.find("__Host-"), std::string::npos) << cookie;
    EXPECT_EQ(cookie.find("Max-Age"), std::string::npos) << cookie;
    EXPECT_EQ(cookie.find("Expires"), std::string::npos) << cookie;
    EXPECT_EQ(cookie.find("Domain"), std::string::npos) << cookie;
}

TEST(CookiePolicy, HttpsAddsSecureAndHostPrefix) {
    CookiePolicy policy(true);
    EXPECT_EQ(policy.name("session"), "__Host-session");
    std::string cookie = policy.set("session", "abc");
    EXPECT_EQ(cookie.rfind("__Host-session=abc;", 0), 0u) << cookie;
    EXPECT_TRUE(has_attribute(cookie, "Secure")) << cookie;
    EXPECT_TRUE(has_attribute(cookie, "HttpOnly")) << cookie;
    EXPECT_TRUE(has_attribute(cookie, "SameSite=Lax")) << cookie;
    // __Host- cookies are only accepted with Path=/ and no Domain.
    EXPECT_TRUE(has_attribute(cookie, "Path=/")) << cookie;
    EXPECT_EQ(cookie.find("Domain"), std::string::npos) << cookie;
    EXPECT_EQ(cookie.find("Max-Age"), std::string::npos) << cookie;
}

TEST(CookiePolicy, MaxAgeOnlyWhenGiven) {
    CookiePolicy policy(false);
    std::string cookie = policy.set("remember", "tok", 2592000L);
    EXPECT_TRUE(has_attribute(cookie, "Max-Age=2592000")) << cookie;
    EXPECT_TRUE(has_attribute(cookie, "HttpOnly")) << cookie;
    EXPECT_EQ(policy.set("remember", "tok", std::nullopt).find("Max-Age"), std::string::npos);
}

TEST(CookiePolicy, ClearEmptiesTheValueWithMaxAgeZero) {
    for (bool https : {false, true}) {
        CookiePolicy policy(https);
        std::string cookie = policy.clear("session");
        std::string name = https ? "__Host-session" : "session";
        EXPECT_EQ(cookie.rfind(name + "=;", 0), 0u) << cookie;
        EXPECT_TRUE(has_attribute(cookie, "Max-Age=0")) << cookie;
        EXPECT_TRUE(has_attribute(cookie, "Path=/")) << cookie;
        EXPECT_TRUE(has_attribute(cookie, "HttpOnly")) << cookie;
        EXPECT_EQ(has_attribute(cookie, "Secure"), https) << cookie;
    }
}

TEST(CookiePolicy, SetValueReadsBackThroughCookieValues) {
    CookiePolicy policy(true);
    std::string cookie = policy.set("flash", "abc.def");
    std::string pair = cookie.substr(0, cookie.find(';'));
    EXPECT_EQ(cookie_values("other=1; " + pair, policy.name("flash")), Values{"abc.def"});
}

}  // namespace
}  // namespace microblog
