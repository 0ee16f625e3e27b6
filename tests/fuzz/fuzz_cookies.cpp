// Cookie header parsing: every value returned for a name came from the header.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/http/cookies.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string header(reinterpret_cast<const char*>(data), size);
    for (const char* name : {"session", "presession", "__Host-session", "flash"}) {
        for (const std::string& value : microblog::cookie_values(header, name)) {
            if (header.find(value) == std::string::npos)
                std::abort();
        }
    }
    return 0;
}
