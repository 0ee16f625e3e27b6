// The sessions page's label for a User-Agent: whatever a browser or attacker sends, the label is
// one of the fixed names, so nothing of the header reaches the page.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "core/http/user_agent.h"

namespace {
const std::set<std::string> kBrowsers = {"Edge",    "Opera",    "Samsung Internet",
                                         "Firefox", "Chromium", "Chrome",
                                         "Safari",  "curl",     "Unknown browser"};
const std::set<std::string> kSystems = {"Windows", "Android", "iOS", "ChromeOS", "macOS", "Linux"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string header(reinterpret_cast<const char*>(data), size);
    std::string label = microblog::describe_user_agent(header);
    size_t on = label.find(" on ");
    std::string browser = label.substr(0, on);
    if (kBrowsers.count(browser) == 0)
        std::abort();
    if (on != std::string::npos && kSystems.count(label.substr(on + 4)) == 0)
        std::abort();
    if (browser == "Unknown browser" && on == std::string::npos && size > 0 &&
        microblog::describe_user_agent(header + " Windows") != "Unknown browser on Windows")
        std::abort();
    return 0;
}
