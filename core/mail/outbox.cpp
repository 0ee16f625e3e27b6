// Queueing: the message is composed here, whole, so the mailer sends exactly what was queued.
#include "core/mail/outbox.h"

#include <ctime>

#include "core/crypto/crypto.h"
#include "core/http/encoding.h"

namespace microblog {
namespace {

bool budgeted(MailKind kind) {
    return kind == MailKind::kPasswordReset;
}

}  // namespace

std::string_view mail_kind_name(MailKind kind) {
    switch (kind) {
        case MailKind::kPasswordReset:
            return "password_reset";
        case MailKind::kPasswordChanged:
            return "password_changed";
    }
    return "unknown";
}

Outbox::Outbox(Database& db, const Config& config)
    : db_(db),
      config_(config),
      count_recent_(db.prepare("SELECT COUNT(*) FROM outbox WHERE recipient_key = LOWER(?) AND "
                               "budgeted AND created_at > UTC_TIMESTAMP() - INTERVAL 1 HOUR")),
      insert_(db.prepare("INSERT INTO outbox (kind, recipient, budgeted, message, created_at, "
                         "next_attempt_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(), "
                         "UTC_TIMESTAMP())")) {}

bool Outbox::within_budget(const std::string& address) {
    Result result = db_.execute(count_recent_, {address});
    const long long queued = std::stoll(result.rows.at(0).at(0).value_or("0"));
    return queued < static_cast<long long>(config_.mail_per_address_per_hour);
}

void Outbox::queue(MailKind kind, const MailMessage& mail) {
    // The Message-ID's left side: random, so it says nothing about the user or the time.
    const std::string id = hex_encode(random_bytes(16));
    const std::string message = compose_message(config_.mail_from, mail, std::time(nullptr), id);
    db_.execute(insert_, {std::string(mail_kind_name(kind)), mail.to_address,
                          static_cast<long long>(budgeted(kind)), Bytes{message}});
}

}  // namespace microblog
