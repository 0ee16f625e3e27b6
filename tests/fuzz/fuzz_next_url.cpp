// The `next` check: whatever comes in, the redirect target stays on this site.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/http/next_url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string next(reinterpret_cast<const char*>(data), size);
    std::string target = microblog::redirect_target(next, "/index");
    // A local path: one leading slash, no scheme or host, nothing that a browser would read as
    // another site, and no byte that could split a header.
    if (target.empty() || target[0] != '/' ||
        (target.size() > 1 && (target[1] == '/' || target[1] == '\\')))
        std::abort();
    for (char c : target) {
        if (static_cast<unsigned char>(c) < 0x21 || c == '\\' ||
            static_cast<unsigned char>(c) >= 0x7f)
            std::abort();
    }
    if (!microblog::is_safe_next(next) && target != "/index")
        std::abort();
    // Short enough to carry in a redirect (core/http/next_url.h): at most three bytes per byte
    // kept.
    if (target.size() > 3 * microblog::kMaxNextLength)
        std::abort();
    return 0;
}
