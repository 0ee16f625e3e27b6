// Escaping and writing the event lines.
#include "core/accounts/events.h"

#include <cstdio>

#include "core/http/utf8.h"
#include "core/server/log.h"

namespace microblog {
namespace {

std::string escaped_byte(unsigned char c) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
    return buffer;
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
            std::optional<DecodedCodePoint> decoded = decode_utf8_at(text, i);
            if (!decoded) {
                out += escaped_byte(c);
                ++i;
            } else if (breaks_lines_somewhere(decoded->code_point)) {
                char buffer[12];
                std::snprintf(buffer, sizeof buffer, "\\u%04x",
                              static_cast<unsigned>(decoded->code_point));
                out += buffer;
                i += decoded->length;
            } else {
                out.append(text.substr(i, decoded->length));
                i += decoded->length;
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
