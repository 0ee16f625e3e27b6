// A mail as it goes on the wire: an RFC 5322 message, built so that nothing a user typed can
// add a header or break one (docs/email.md).
#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace microblog {

struct MailMessage {
    std::string to_name;     // shown in To: (a username); may be anything, it is encoded
    std::string to_address;  // an address that is_email_address accepted
    std::string subject;     // UTF-8, encoded when it is not plain ASCII
    std::string body;        // UTF-8 plain text; line ends become CRLF
};

// The whole message: Date, From, To, Subject, Message-ID, MIME-Version, Content-Type,
// Content-Transfer-Encoding, Auto-Submitted: auto-generated, then the body. `from` is the
// configured mail_from ("Name <address>"); the Message-ID is `message_id_left@` its domain.
// Throws std::invalid_argument for an address holding a control character, a space or <>.
std::string compose_message(std::string_view from, const MailMessage& mail, std::time_t now,
                            std::string_view message_id_left);

// A header's text as RFC 2047 encoded-words (UTF-8, base64) when it is not printable ASCII
// already, so CR, LF and anything else a user typed stay inside one header.
std::string encode_header_text(std::string_view text);

// The RFC 5322 date of `now` in UTC: "Mon, 07 Dec 2026 16:13:21 +0000".
std::string mail_date(std::time_t now);

}  // namespace microblog
