// UTF-8 checks for text typed by users (cgicc passes bytes through unvalidated), and the one
// decoder of a code point (the security log's escaping reads names with it).
#pragma once

#include <optional>
#include <string_view>

namespace microblog {

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view text);

// Number of code points, or nothing when `text` is not valid UTF-8.
std::optional<size_t> utf8_length(std::string_view text);

// A code point and the length of the UTF-8 sequence that encodes it.
struct DecodedCodePoint {
    char32_t code_point = 0;
    size_t length = 0;
};

// The code point whose well-formed sequence starts at `text[i]`; nothing when none does (a
// continuation byte, an overlong form, a surrogate, a value past U+10FFFF or a cut sequence),
// or when `i` is past the end.
std::optional<DecodedCodePoint> decode_utf8_at(std::string_view text, size_t i);

// True when `text` contains a C0 or C1 control character or DEL (NUL included).
bool has_control_characters(std::string_view text);

}  // namespace microblog
