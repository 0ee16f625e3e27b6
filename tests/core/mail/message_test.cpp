#include "core/mail/message.h"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace microblog;

namespace {

// 2026-12-07 16:13:21 UTC.
constexpr std::time_t kNow = 1796660001;

MailMessage reset_mail() {
    return {"susan", "susan@example.com", "[Microblog] Reset Your Password", "Dear susan,\nbye\n"};
}

std::string headers_of(const std::string& message) {
    return message.substr(0, message.find("\r\n\r\n") + 2);
}

int header_lines(const std::string& message) {
    const std::string headers = headers_of(message);
    int lines = 0;
    for (size_t at = 0; (at = headers.find("\r\n", at)) != std::string::npos; at += 2) {
        if (at + 2 < headers.size() && headers[at + 2] != ' ')
            ++lines;
    }
    return lines + 1;
}

}  // namespace

TEST(MailMessage, HasTheHeadersOfAnAutomaticMail) {
    const std::string message =
        compose_message("Microblog <no-reply@example.org>", reset_mail(), kNow, "abc123");
    EXPECT_EQ(headers_of(message),
              "Date: Mon, 07 Dec 2026 16:13:21 +0000\r\n"
              "From: Microblog <no-reply@example.org>\r\n"
              "To: susan <susan@example.com>\r\n"
              "Subject: [Microblog] Reset Your Password\r\n"
              "Message-ID: <abc123@example.org>\r\n"
              "MIME-Version: 1.0\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n"
              "Content-Transfer-Encoding: 7bit\r\n"
              "Auto-Submitted: auto-generated\r\n");
}

TEST(MailMessage, BodyLinesEndInCrLf) {
    MailMessage mail = reset_mail();
    mail.body = "one\ntwo\r\nthree\rfour";
    const std::string message = compose_message("a@example.org", mail, kNow, "x");
    EXPECT_EQ(message.substr(message.find("\r\n\r\n") + 4), "one\r\ntwo\r\nthree\r\nfour\r\n");
}

TEST(MailMessage, NonAsciiBodyIsMarkedEightBit) {
    MailMessage mail = reset_mail();
    mail.body = "Grüße\n";
    const std::string message = compose_message("a@example.org", mail, kNow, "x");
    EXPECT_NE(message.find("Content-Transfer-Encoding: 8bit\r\n"), std::string::npos);
}

TEST(MailMessage, ANameWithLineBreaksAddsNoHeader) {
    MailMessage mail = reset_mail();
    mail.to_name = "eve\r\nBcc: victim@example.net";
    mail.subject = "hi\nX-Injected: 1";
    const std::string message = compose_message("a@example.org", mail, kNow, "x");
    EXPECT_EQ(header_lines(message), 9);
    EXPECT_EQ(message.find("\nBcc:"), std::string::npos);
    EXPECT_EQ(message.find("\nX-Injected:"), std::string::npos);
    EXPECT_NE(message.find("To: =?UTF-8?B?"), std::string::npos);
}

TEST(MailMessage, AddressWithControlCharactersIsRefused) {
    MailMessage mail = reset_mail();
    for (const char* address : {"a@b.c\r\nBcc: x@y.z", "a b@c.d", "a@b.c>", "nobody"}) {
        mail.to_address = address;
        EXPECT_THROW(compose_message("a@example.org", mail, kNow, "x"), std::invalid_argument)
            << address;
    }
}

TEST(MailMessage, NonAsciiTextIsEncodedPerRfc2047) {
    EXPECT_EQ(encode_header_text("plain text"), "plain text");
    EXPECT_EQ(encode_header_text("Grüße"), "=?UTF-8?B?R3LDvMOfZQ==?=");
}

TEST(MailMessage, LongTextIsFoldedIntoShortWordsWithoutSplittingACharacter) {
    const std::string text(40, 'a');
    const std::string encoded = encode_header_text(text + "ééééé");  // 50 bytes
    ASSERT_NE(encoded.find("\r\n "), std::string::npos);
    const std::string first = encoded.substr(0, encoded.find("\r\n "));
    EXPECT_LE(first.size(), 75U);
    // 40 ASCII bytes and two whole é (44 bytes): 45 would cut the third é.
    EXPECT_EQ(first, "=?UTF-8?B?YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYcOpw6k=?=");
}
