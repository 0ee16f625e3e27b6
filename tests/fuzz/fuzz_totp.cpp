// The code field of the two-factor pages: whatever is typed, a code is accepted only when it is
// the 6-digit code of a step within one of now, and never crashes liboath.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "core/two_factor/totp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string kSecret = "12345678901234567890";
    constexpr time_t kNow = 1234567890;
    std::string code(reinterpret_cast<const char*>(data), size);
    std::optional<uint64_t> step = microblog::totp_step_of(kSecret, code, kNow);
    if (!step)
        return 0;
    const uint64_t now_step = uint64_t(kNow / 30);
    if (*step + 1 < now_step || *step > now_step + 1)
        std::abort();
    std::string digits;
    for (char c : code) {
        if (c != ' ')
            digits += c;
    }
    if (digits != microblog::totp_code_at(kSecret, *step))
        std::abort();
    return 0;
}
