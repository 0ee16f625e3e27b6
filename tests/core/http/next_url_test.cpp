// Tests for core/next_url: the open-redirect check on `next` and the Location it produces.
#include "core/http/next_url.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

namespace microblog {
namespace {

TEST(IsSafeNext, AcceptsLocalPaths) {
    for (const std::string ok :
         {"/", "/index", "/user/susan?tab=posts&x=1", "/a:b", "/user/jos\xc3\xa9", "/a b",
          "/index#top", "/a/b/../c", "/?next=//evil.example"}) {
        EXPECT_TRUE(is_safe_next(ok)) << ok;
    }
}

TEST(IsSafeNext, RejectsRelativeAndAbsoluteUrls) {
    for (const std::string bad :
         {"", "index", "http://evil.example/", "https://evil.example/index", "//evil.example",
          "///evil.example", "////evil.example", "https:evil.example", "javascript:alert(1)",
          " /index", "?x=1", "#x", ".", "../index"}) {
        EXPECT_FALSE(is_safe_next(bad)) << bad;
    }
}

TEST(IsSafeNext, RejectsBackslashes) {
    // Browsers treat '\' like '/', so these are protocol-relative URLs to another host.
    for (const std::string bad :
         {"/\\evil.example", "\\\\evil.example", "\\/evil.example", "/index\\..\\", "/a\\b"}) {
        EXPECT_FALSE(is_safe_next(bad)) << bad;
    }
}

TEST(IsSafeNext, RejectsControlCharacters) {
    EXPECT_FALSE(is_safe_next("/index\r\nSet-Cookie: x=y"));
    EXPECT_FALSE(is_safe_next("/index\n"));
    EXPECT_FALSE(is_safe_next("/index\r"));
    EXPECT_FALSE(is_safe_next(std::string("/a\0b", 4)));
    EXPECT_FALSE(is_safe_next(std::string("/\0", 2)));
    EXPECT_FALSE(is_safe_next("/a\tb"));
    // Browsers drop tabs and newlines inside URLs: "/\t/evil.example" is "//evil.example".
    EXPECT_FALSE(is_safe_next("/\t/evil.example"));
    EXPECT_FALSE(is_safe_next("/\n/evil.example"));
    EXPECT_FALSE(is_safe_next("/a\x7f"));
    EXPECT_FALSE(is_safe_next("/a\x1b"));
}

TEST(IsSafeNext, KeepsUpToTheLongestNextAndDropsLonger) {
    const std::string path = "/index?q=";
    EXPECT_TRUE(is_safe_next(path + std::string(kMaxNextLength - path.size(), '%')));
    EXPECT_FALSE(is_safe_next(path + std::string(kMaxNextLength - path.size() + 1, '%')));
    EXPECT_FALSE(is_safe_next(path + std::string(8192, 'a')));
}

TEST(RedirectTarget, FallbackForUnsafeNext) {
    for (const std::string bad : {"", "//evil.example", "http://evil.example/", "/\\evil.example",
                                  "/index\r\nSet-Cookie: x=y", "index"}) {
        EXPECT_EQ(redirect_target(bad, "/index"), "/index") << bad;
    }
    EXPECT_EQ(redirect_target(std::string("/a\0b", 4), "/home"), "/home");
}

TEST(RedirectTarget, KeepsSafePaths) {
    EXPECT_EQ(redirect_target("/", "/index"), "/");
    EXPECT_EQ(redirect_target("/user/susan?tab=posts&x=1", "/index"), "/user/susan?tab=posts&x=1");
    EXPECT_EQ(redirect_target("/a:b", "/index"), "/a:b");
    EXPECT_EQ(redirect_target("/search?q=a%20b", "/index"), "/search?q=a%20b");
}

TEST(WithNext, CarriesASafeNextEncodedAndDropsAnUnsafeOne) {
    EXPECT_EQ(with_next("/login", "/index?page=2"), "/login?next=%2Findex%3Fpage%3D2");
    EXPECT_EQ(with_next("/confirm", "//evil.example/"), "/confirm");
    EXPECT_EQ(with_next("/login", ""), "/login");
    EXPECT_EQ(with_next("/login", "/" + std::string(kMaxNextLength, 'a')), "/login");
}

TEST(RedirectTarget, PercentEncodesSpacesAndNonAscii) {
    EXPECT_EQ(redirect_target("/user/jos\xc3\xa9", "/index"), "/user/jos%C3%A9");
    EXPECT_EQ(redirect_target("/search?q=a b", "/index"), "/search?q=a%20b");
    EXPECT_EQ(redirect_target("/\"><script>", "/index"), "/%22%3E%3Cscript%3E");
}

TEST(RedirectTarget, KeepsTheLongestNextEncodedAndDropsLonger) {
    const std::string path = "/search?q=";
    const std::size_t spaces = kMaxNextLength - path.size();
    std::string encoded = path;
    for (std::size_t i = 0; i < spaces; ++i)
        encoded += "%20";
    EXPECT_EQ(redirect_target(path + std::string(spaces, ' '), "/index"), encoded);
    EXPECT_EQ(redirect_target(path + std::string(spaces + 1, ' '), "/index"), "/index");
}

TEST(RedirectTarget, NeverContainsLineBreaksOrSpaces) {
    // Every single byte after "/": the target is either the fallback or a clean URL.
    for (int i = 0; i < 256; ++i) {
        std::string next = "/x" + std::string(1, static_cast<char>(i)) + "y";
        std::string target = redirect_target(next, "/fallback");
        EXPECT_EQ(target.find_first_of(std::string("\r\n\0 \t", 5)), std::string::npos)
            << "byte " << i << ": " << target;
        for (char c : target) {
            auto u = static_cast<unsigned char>(c);
            EXPECT_TRUE(u > 0x20 && u < 0x7F) << "byte " << i << ": " << target;
        }
    }
}

}  // namespace
}  // namespace microblog
