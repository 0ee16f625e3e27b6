// UTF-8 checks agree with each other.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/http/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    bool valid = microblog::is_valid_utf8(text);
    auto length = microblog::utf8_length(text);
    if (valid != length.has_value() || (length && *length > size))
        std::abort();
    (void)microblog::has_control_characters(text);
    return 0;
}
