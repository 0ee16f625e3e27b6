// UTF-8 validation by the well-formed byte sequences of Unicode's table 3-7.
#include "core/http/utf8.h"

#include <cstdint>

namespace microblog {
namespace {

// Length of the well-formed sequence starting at `i`, or 0 when there is none.
size_t sequence_length(std::string_view s, size_t i) {
    auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
    auto in = [](uint8_t b, uint8_t lo, uint8_t hi) { return b >= lo && b <= hi; };
    uint8_t b0 = byte(i);
    size_t left = s.size() - i;
    if (b0 < 0x80)
        return 1;
    if (in(b0, 0xC2, 0xDF))
        return left >= 2 && in(byte(i + 1), 0x80, 0xBF) ? 2 : 0;
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        if (left < 3)
            return 0;
        uint8_t lo = b0 == 0xE0 ? 0xA0 : 0x80;
        uint8_t hi = b0 == 0xED ? 0x9F : 0xBF;  // ED A0..BF would be a surrogate
        return in(byte(i + 1), lo, hi) && in(byte(i + 2), 0x80, 0xBF) ? 3 : 0;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        if (left < 4)
            return 0;
        uint8_t lo = b0 == 0xF0 ? 0x90 : 0x80;
        uint8_t hi = b0 == 0xF4 ? 0x8F : 0xBF;  // past F4 8F would exceed U+10FFFF
        return in(byte(i + 1), lo, hi) && in(byte(i + 2), 0x80, 0xBF) && in(byte(i + 3), 0x80, 0xBF)
                   ? 4
                   : 0;
    }
    return 0;
}

}  // namespace

std::optional<DecodedCodePoint> decode_utf8_at(std::string_view text, size_t i) {
    if (i >= text.size())
        return std::nullopt;
    size_t length = sequence_length(text, i);
    if (length == 0)
        return std::nullopt;
    // The lead byte keeps 7, 5, 4 or 3 bits; each continuation byte adds 6.
    static constexpr uint8_t kLeadBits[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    char32_t value = static_cast<uint8_t>(text[i]) & kLeadBits[length];
    for (size_t k = 1; k < length; ++k)
        value = (value << 6) | (static_cast<uint8_t>(text[i + k]) & 0x3F);
    return DecodedCodePoint{value, length};
}

std::optional<size_t> utf8_length(std::string_view text) {
    size_t count = 0;
    for (size_t i = 0; i < text.size(); ++count) {
        size_t n = sequence_length(text, i);
        if (n == 0)
            return std::nullopt;
        i += n;
    }
    return count;
}

bool is_valid_utf8(std::string_view text) {
    return utf8_length(text).has_value();
}

bool has_control_characters(std::string_view text) {
    for (size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<uint8_t>(text[i]);
        if (c < 0x20 || c == 0x7F)
            return true;
        // C1 controls U+0080..U+009F are encoded as C2 80..C2 9F.
        if (c == 0xC2 && i + 1 < text.size()) {
            auto next = static_cast<uint8_t>(text[i + 1]);
            if (next >= 0x80 && next <= 0x9F)
                return true;
        }
    }
    return false;
}

}  // namespace microblog
