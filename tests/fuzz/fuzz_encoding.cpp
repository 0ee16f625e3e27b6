// base64url and hex: decoding never overreads, and encoding round-trips.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/http/encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string bytes(reinterpret_cast<const char*>(data), size);
    if (microblog::base64url_decode(microblog::base64url_encode(bytes)) != bytes)
        std::abort();
    if (microblog::hex_decode(microblog::hex_encode(bytes)) != bytes)
        std::abort();
    if (auto decoded = microblog::base64url_decode(bytes)) {
        if (microblog::base64url_decode(microblog::base64url_encode(*decoded)) != decoded)
            std::abort();
    }
    (void)microblog::hex_decode(bytes);
    (void)microblog::url_encode_component(bytes);
    (void)microblog::url_encode_path_and_query(bytes);
    return 0;
}
