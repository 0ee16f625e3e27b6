// Byte encodings used in cookies, headers and URLs.
#include "core/http/encoding.h"

#include <array>
#include <cstdint>

namespace microblog {
namespace {

constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kHexDigits[] = "0123456789abcdef";

int base64url_value(char c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

// Characters RFC 3986 allows literally in a path or query besides the unreserved ones.
bool is_path_or_query_char(unsigned char c) {
    static constexpr std::string_view kAllowed = "!$&'()*+,;=:@/?%";
    return is_unreserved(c) || kAllowed.find(static_cast<char>(c)) != std::string_view::npos;
}

void append_percent_escape(std::string& out, unsigned char c) {
    out += '%';
    static constexpr char kUpperHex[] = "0123456789ABCDEF";
    out += kUpperHex[c >> 4];
    out += kUpperHex[c & 15];
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        uint32_t n =
            (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
        out += kBase64UrlAlphabet[(n >> 18) & 63];
        out += kBase64UrlAlphabet[(n >> 12) & 63];
        out += kBase64UrlAlphabet[(n >> 6) & 63];
        out += kBase64UrlAlphabet[n & 63];
    }
    size_t rest = bytes.size() - i;
    if (rest == 1) {
        uint32_t n = uint8_t(bytes[i]) << 16;
        out += kBase64UrlAlphabet[(n >> 18) & 63];
        out += kBase64UrlAlphabet[(n >> 12) & 63];
    } else if (rest == 2) {
        uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
        out += kBase64UrlAlphabet[(n >> 18) & 63];
        out += kBase64UrlAlphabet[(n >> 12) & 63];
        out += kBase64UrlAlphabet[(n >> 6) & 63];
    }
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1)
        return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    uint32_t buffer = 0;
    int bits = 0;
    for (char c : text) {
        int v = base64url_value(c);
        if (v < 0)
            return std::nullopt;
        buffer = (buffer << 6) | uint32_t(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    // Leftover bits must be zero, so every byte string has exactly one encoding.
    if ((buffer & ((1u << bits) - 1)) != 0)
        return std::nullopt;
    return out;
}

std::string hex_encode(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += kHexDigits[c >> 4];
        out += kHexDigits[c & 15];
    }
    return out;
}

std::optional<std::string> hex_decode(std::string_view text) {
    if (text.size() % 2 != 0)
        return std::nullopt;
    std::string out;
    out.reserve(text.size() / 2);
    for (size_t i = 0; i < text.size(); i += 2) {
        int hi = hex_value(text[i]);
        int lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
    }
    return out;
}

std::string url_encode_component(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (is_unreserved(c)) {
            out += static_cast<char>(c);
        } else {
            append_percent_escape(out, c);
        }
    }
    return out;
}

std::string url_encode_path_and_query(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (is_path_or_query_char(c)) {
            out += static_cast<char>(c);
        } else {
            append_percent_escape(out, c);
        }
    }
    return out;
}

}  // namespace microblog
