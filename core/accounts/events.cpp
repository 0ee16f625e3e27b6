// Escaping and writing the event lines.
#include "core/accounts/events.h"

#include <cstdio>

#include "core/server/log.h"

namespace microblog {
namespace {

std::string escaped_byte(unsigned char c) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
    return buffer;
}

// The length of the well-formed UTF-8 sequence at `text[i]`, and its code point; 0 when it is
// not one.
size_t utf8_sequence(std::string_view text, size_t i, char32_t& code_point) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char lead = byte(i);
    size_t length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
    if (length == 0 || lead > 0xf4 || i + length > text.size())
        return 0;
    char32_t value = lead & (0x3f >> (length - 1));
    for (size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80)
            return 0;
        value = (value << 6) | (byte(i + k) & 0x3f);
    }
    static constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (value < kSmallest[length] || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
        return 0;
    code_point = value;
    return length;
}

bool breaks_lines_somewhere(char32_t c) {
    return (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

}  // namespace

std::string quoted_for_log(std::string_view text) {
    std::string out = "\"";
    for (size_t i = 0; i < text.size();) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
            ++i;
        } else if (c < 0x20 || c == 0x7f) {
            out += escaped_byte(c);
            ++i;
        } else if (c < 0x80) {
            out += static_cast<char>(c);
            ++i;
        } else {
            char32_t code_point = 0;
            size_t length = utf8_sequence(text, i, code_point);
            if (length == 0) {
                out += escaped_byte(c);
                ++i;
            } else if (breaks_lines_somewhere(code_point)) {
                char buffer[12];
                std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(code_point));
                out += buffer;
                i += length;
            } else {
                out.append(text.substr(i, length));
                i += length;
            }
        }
    }
    out += '"';
    return out;
}

std::string address_for_log(std::string_view address) {
    if (address.empty())
        return "-";
    for (char c : address) {
        bool plain = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     c == '.' || c == ':' || c == '-';
        if (!plain)
            return quoted_for_log(address);
    }
    return std::string(address);
}

void log_account_event(std::string_view event, std::string_view user, std::string_view address) {
    log_line(std::string(event) + " user=" + quoted_for_log(user) +
             " ip=" + address_for_log(address));
}

}  // namespace microblog
