// The commands about mail: mail-queue (what the outbox still holds) and send-test-mail (the
// configured transport tried at once, outside the outbox).
#include <ctime>
#include <iostream>

#include "admin.h"
#include "core/crypto/crypto.h"
#include "core/db/database.h"
#include "core/http/encoding.h"
#include "core/mail/message.h"
#include "tools/mailer/transport.h"

namespace microblog::admin {

int mail_queue(const Invocation& invocation) {
    const Config config = load_configuration(invocation);
    Database db(config);
    const Database::StatementId list = db.prepare(
        "SELECT id, kind, recipient, state, attempts, created_at, next_attempt_at, last_error "
        "FROM outbox WHERE state IN ('waiting', 'failed') ORDER BY id");
    for (const Row& row : db.execute(list, {}).rows) {
        std::string line;
        for (const std::optional<std::string>& field : row) {
            std::string text = field.value_or("");
            // One line per mail, whatever a relay answered.
            for (char& c : text) {
                if (c == '\t' || c == '\n' || c == '\r')
                    c = ' ';
            }
            line += (line.empty() ? "" : "\t") + text;
        }
        std::cout << line << "\n";
    }
    return kSuccess;
}

int send_test_mail(const Invocation& invocation) {
    const Config config = load_configuration(invocation);
    const std::string& address = invocation.arguments.at(0);
    MailMessage mail;
    mail.to_address = address;
    mail.subject = "Microblog test mail";
    mail.body =
        "This is a test mail from microblog-admin send-test-mail: the mail settings of this\n"
        "host deliver.\n";
    std::string message;
    try {
        message = compose_message(config.mail_from, mail, std::time(nullptr),
                                  hex_encode(random_bytes(16)));
    } catch (const std::invalid_argument& e) {
        say(address + " cannot be sent to: " + e.what());
        return kFailure;
    }
    mail::init_transports();
    std::unique_ptr<mail::Transport> transport = mail::make_transport(config, std::cout);
    const mail::Delivery delivery = transport->deliver({"test", address, message});
    switch (delivery.outcome) {
        case mail::Delivery::Outcome::kDelivered:
            say("test mail to " + address + " delivered");
            return kSuccess;
        case mail::Delivery::Outcome::kRetry:
            say("test mail to " + address +
                " not delivered (the mailer would try again): " + delivery.reason);
            return kFailure;
        case mail::Delivery::Outcome::kFailed:
            say("test mail to " + address + " refused: " + delivery.reason);
            return kFailure;
    }
    return kFailure;
}

}  // namespace microblog::admin
