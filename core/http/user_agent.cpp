// Reading a browser and a system out of a User-Agent header.
#include "core/http/user_agent.h"

#include <cstddef>

namespace microblog {
namespace {

// A header containing `token` (case-sensitive) is labelled `name`.
struct Marker {
    std::string_view token;
    std::string_view name;
};

// Browsers copy each other's tokens to get served the same pages, so the first match wins and
// the order goes from the most specific browser to the one whose tokens everybody copies.
constexpr Marker kBrowsers[] = {
    // Edge, Opera and Samsung Internet are built on Chromium: they also say "Chrome/" and
    // "Safari/".
    {"Edg/", "Edge"},
    {"EdgA/", "Edge"},
    {"EdgiOS/", "Edge"},
    {"OPR/", "Opera"},
    {"Opera", "Opera"},
    {"SamsungBrowser/", "Samsung Internet"},
    // Firefox on iOS runs on WebKit and says "Safari/".
    {"Firefox/", "Firefox"},
    {"FxiOS/", "Firefox"},
    // Chromium also says "Chrome/".
    {"Chromium/", "Chromium"},
    {"CriOS/", "Chrome"},
    {"Chrome/", "Chrome"},
    // Every WebKit and Blink browser says "Safari/": it means Safari only once they are ruled out.
    {"Safari/", "Safari"},
    {"curl/", "curl"},
};

constexpr Marker kSystems[] = {
    {"Windows", "Windows"},
    // Android runs Linux and says so.
    {"Android", "Android"},
    // iOS browsers say "like Mac OS X".
    {"iPhone", "iOS"},
    {"iPad", "iOS"},
    {"iPod", "iOS"},
    // ChromeOS says "X11".
    {"CrOS", "ChromeOS"},
    {"Macintosh", "macOS"},
    {"Mac OS X", "macOS"},
    {"Linux", "Linux"},
    {"X11", "Linux"},
};

constexpr std::string_view kUnknownBrowser = "Unknown browser";

// The name of the first marker found in `user_agent`, or empty when there is none.
template <std::size_t N>
std::string_view first_match(std::string_view user_agent, const Marker (&markers)[N]) {
    for (const Marker& marker : markers) {
        if (user_agent.find(marker.token) != std::string_view::npos)
            return marker.name;
    }
    return {};
}

}  // namespace

std::string describe_user_agent(std::string_view user_agent) {
    const std::string_view browser = first_match(user_agent, kBrowsers);
    const std::string_view system = first_match(user_agent, kSystems);
    std::string label(browser.empty() ? kUnknownBrowser : browser);
    if (!system.empty()) {
        label += " on ";
        label += system;
    }
    return label;
}

}  // namespace microblog
