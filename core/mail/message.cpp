// Building the message: every header from a fixed name and a value that is either ours (the
// date, the ids) or encoded (names, subject); the body with CRLF line ends.
#include "core/mail/message.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

namespace microblog {
namespace {

// RFC 2047 keeps an encoded-word within 75 characters: 45 bytes make 60 base64 characters,
// plus "=?UTF-8?B?" and "?=".
constexpr size_t kEncodedWordBytes = 45;

std::string base64(std::string_view bytes) {
    static const char* const kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (size_t i = 0; i < bytes.size(); i += 3) {
        unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size())
            n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        if (i + 2 < bytes.size())
            n |= static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
    }
    return out;
}

bool printable_ascii(std::string_view text) {
    for (unsigned char c : text) {
        if (c < ' ' || c > '~')
            return false;
    }
    return true;
}

bool has_8bit(std::string_view text) {
    for (unsigned char c : text) {
        if (c >= 0x80)
            return true;
    }
    return false;
}

// Where a UTF-8 sequence may be cut: not before a continuation byte.
size_t chunk_end(std::string_view text, size_t start) {
    size_t end = std::min(text.size(), start + kEncodedWordBytes);
    while (end > start + 1 && end < text.size() &&
           (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        --end;
    return end;
}

// A display name that may stand unquoted in an address (letters, digits, spaces and the
// harmless specials); anything else is encoded.
bool plain_phrase(std::string_view name) {
    for (unsigned char c : name) {
        if (!(std::isalnum(c) || c == ' ' || c == '-' || c == '_' || c == '.'))
            return false;
    }
    return !name.empty() && name.front() != ' ' && name.back() != ' ';
}

void check_address(std::string_view address) {
    for (unsigned char c : address) {
        if (c <= ' ' || c == '<' || c == '>' || c == 0x7f)
            throw std::invalid_argument("a mail address holds a character it must not");
    }
    if (address.find('@') == std::string_view::npos)
        throw std::invalid_argument("a mail address needs an @");
}

std::string crlf_lines(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n')
                ++i;
        } else if (text[i] == '\n') {
            out += "\r\n";
        } else {
            out += text[i];
        }
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0)
        out += "\r\n";
    return out;
}

std::string domain_of(std::string_view from) {
    size_t at = from.rfind('@');
    if (at == std::string_view::npos)
        throw std::invalid_argument("mail_from needs an @");
    std::string_view domain = from.substr(at + 1);
    size_t end = domain.find('>');
    return std::string(domain.substr(0, end));
}

}  // namespace

std::string encode_header_text(std::string_view text) {
    if (printable_ascii(text))
        return std::string(text);
    std::string out;
    for (size_t start = 0; start < text.size();) {
        size_t end = chunk_end(text, start);
        if (!out.empty())
            out += "\r\n ";  // folded: each encoded word on its own line
        out += "=?UTF-8?B?" + base64(text.substr(start, end - start)) + "?=";
        start = end;
    }
    return out;
}

std::string mail_date(std::time_t now) {
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::array<char, 64> text{};
    strftime(text.data(), text.size(), "%a, %d %b %Y %H:%M:%S +0000", &utc);
    return text.data();
}

std::string compose_message(std::string_view from, const MailMessage& mail, std::time_t now,
                            std::string_view message_id_left) {
    check_address(mail.to_address);
    const std::string to_name =
        plain_phrase(mail.to_name) ? mail.to_name : encode_header_text(mail.to_name);
    const bool ascii_body = !has_8bit(mail.body);
    std::string message;
    message += "Date: " + mail_date(now) + "\r\n";
    message += "From: " + std::string(from) + "\r\n";
    message += "To: " + (to_name.empty() ? "" : to_name + " ") + "<" + mail.to_address + ">\r\n";
    message += "Subject: " + encode_header_text(mail.subject) + "\r\n";
    message += "Message-ID: <" + std::string(message_id_left) + "@" + domain_of(from) + ">\r\n";
    message += "MIME-Version: 1.0\r\n";
    message += "Content-Type: text/plain; charset=utf-8\r\n";
    message += std::string("Content-Transfer-Encoding: ") + (ascii_body ? "7bit" : "8bit") + "\r\n";
    message += "Auto-Submitted: auto-generated\r\n";
    message += "\r\n";
    message += crlf_lines(mail.body);
    return message;
}

}  // namespace microblog
