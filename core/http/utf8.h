// UTF-8 checks for text typed by users (cgicc passes bytes through unvalidated).
#pragma once

#include <optional>
#include <string_view>

namespace microblog {

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view text);

// Number of code points, or nothing when `text` is not valid UTF-8.
std::optional<size_t> utf8_length(std::string_view text);

// True when `text` contains a C0 or C1 control character or DEL (NUL included).
bool has_control_characters(std::string_view text);

}  // namespace microblog
