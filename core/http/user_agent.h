// A short, human label for a browser's User-Agent header ("Firefox on Linux"), shown on the
// account sessions page so that a user can tell their sessions apart.
#pragma once

#include <string>
#include <string_view>

namespace microblog {

// "<browser> on <system>", "<browser>" when the system is not recognised, "Unknown browser on
// <system>" when only the system is, and "Unknown browser" otherwise (an empty header too).
// The label is built only from fixed names, never from the header, so it is safe to show as is.
//
// Browsers: Edge, Opera, Samsung Internet, Firefox, Chromium, Chrome, Safari, curl.
// Systems: Windows, Android, iOS, ChromeOS, macOS, Linux.
// An iPad asking for desktop sites sends a Mac's header, and is labelled macOS.
std::string describe_user_agent(std::string_view user_agent);

}  // namespace microblog
