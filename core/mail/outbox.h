// The outbox table, as the pages see it: they queue a mail inside the transaction of what it is
// about, and never send one (tools/mailer does, docs/email.md).
#pragma once

#include <string>
#include <string_view>

#include "core/db/database.h"
#include "core/mail/message.h"
#include "core/server/config.h"

namespace microblog {

// What a mail is, for the queue listing and the send budget.
enum class MailKind {
    kPasswordReset,    // asked for by whoever typed the address: counts against its budget
    kPasswordChanged,  // a notice to the account's own address: never refused by the budget
};

std::string_view mail_kind_name(MailKind kind);

class Outbox {
  public:
    Outbox(Database& db, const Config& config);

    // Whether `address` may be sent one more budgeted mail now: fewer than
    // mail_per_address_per_hour were queued for it in the last hour.
    bool within_budget(const std::string& address);

    // Queues the mail to go out now; call it inside the transaction of what the mail is about.
    // Throws std::invalid_argument for an address no message may carry.
    void queue(MailKind kind, const MailMessage& mail);

  private:
    Database& db_;
    const Config& config_;
    Database::StatementId count_recent_;
    Database::StatementId insert_;
};

}  // namespace microblog
