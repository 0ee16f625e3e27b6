// Tests for core/user_agent: the labels of real browsers' headers, and of headers that are not.
#include "core/http/user_agent.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace microblog {
namespace {

struct Case {
    std::string user_agent;
    std::string label;
};

void expect_labels(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
        EXPECT_EQ(describe_user_agent(c.user_agent), c.label) << c.user_agent;
    }
}

TEST(DescribeUserAgent, Firefox) {
    expect_labels({
        {"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
         "Firefox on Linux"},
        {"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
         "Firefox on Linux"},
        {"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
         "Firefox on Windows"},
        {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:128.0) Gecko/20100101 Firefox/128.0",
         "Firefox on macOS"},
        {"Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0",
         "Firefox on Android"},
        {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
         "like Gecko) FxiOS/128.0 Mobile/15E148 Safari/605.1.15",
         "Firefox on iOS"},
    });
}

TEST(DescribeUserAgent, Chrome) {
    expect_labels({
        {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 Safari/537.36",
         "Chrome on Windows"},
        {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 Safari/537.36",
         "Chrome on macOS"},
        {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 Safari/537.36",
         "Chrome on Linux"},
        {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 Mobile Safari/537.36",
         "Chrome on Android"},
        {"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 Safari/537.36",
         "Chrome on ChromeOS"},
        {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
         "like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
         "Chrome on iOS"},
    });
}

TEST(DescribeUserAgent, HeadlessChromeAndChromium) {
    expect_labels({
        {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "HeadlessChrome/126.0.0.0 Safari/537.36",
         "Chrome on Linux"},
        {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chromium/126.0.0.0 Chrome/126.0.0.0 Safari/537.36",
         "Chromium on Linux"},
    });
}

TEST(DescribeUserAgent, Safari) {
    expect_labels({
        {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
         "like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
         "Safari on iOS"},
        {"Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
         "Version/17.5 Mobile/15E148 Safari/604.1",
         "Safari on iOS"},
        {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
         "Gecko) Version/17.5 Safari/605.1.15",
         "Safari on macOS"},
    });
}

TEST(DescribeUserAgent, Edge) {
    expect_labels({
        {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
         "Edge on Windows"},
        {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 Mobile Safari/537.36 EdgA/126.0.0.0",
         "Edge on Android"},
        {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
         "like Gecko) Version/17.0 EdgiOS/126.2592.56 Mobile/15E148 Safari/605.1.15",
         "Edge on iOS"},
    });
}

TEST(DescribeUserAgent, OperaAndSamsungInternet) {
    expect_labels({
        {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 Safari/537.36 OPR/112.0.0.0",
         "Opera on Windows"},
        {"Opera/9.80 (Windows NT 6.1; WOW64) Presto/2.12.388 Version/12.18", "Opera on Windows"},
        {"Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like "
         "Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
         "Samsung Internet on Android"},
    });
}

TEST(DescribeUserAgent, NamesWhatItRecognisesAlone) {
    expect_labels({
        {"curl/8.5.0", "curl"},
        {"Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "Unknown browser on Windows"},
        {"Mozilla/5.0 (X11; Linux x86_64) SomeBot/1.0", "Unknown browser on Linux"},
    });
}

TEST(DescribeUserAgent, UnknownBrowser) {
    expect_labels({
        {"", "Unknown browser"},
        {"Mozilla/5.0", "Unknown browser"},
        {"not a browser at all", "Unknown browser"},
        {"firefox/128.0 windows", "Unknown browser"},
    });
}

TEST(DescribeUserAgent, LongJunkWithControlBytes) {
    std::string junk;
    for (int i = 0; i < 100000; ++i) {
        junk += static_cast<char>(i % 0x20);
        junk += "\x7f\xff\xc3(;/ ";
    }
    EXPECT_EQ(describe_user_agent(junk), "Unknown browser");
}

TEST(DescribeUserAgent, NeverEchoesTheHeader) {
    EXPECT_EQ(describe_user_agent("<script>alert(1)</script>"), "Unknown browser");
    EXPECT_EQ(describe_user_agent("Mozilla/5.0 (X11; Linux x86_64) <script>alert(1)</script> "
                                  "Gecko/20100101 Firefox/128.0"),
              "Firefox on Linux");
    EXPECT_EQ(describe_user_agent("<script>Chrome/</script> (Windows <script>)"),
              "Chrome on Windows");
}

}  // namespace
}  // namespace microblog
