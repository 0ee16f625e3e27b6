// microblog-mailer: delivers what the pages queued in the outbox table (docs/email.md). One loop:
// claim a due mail, hand it to the transport, record what became of it. Any number of mailers
// may run on one database (on one host or several): a claim skips the rows another holds.
//
// Never lose a mail: a claim moves next_attempt_at past the longest send (the lease) in the
// transaction that takes the row, so a mailer killed mid-send leaves the mail due again when the
// lease ends, for whichever mailer comes next. The one duplicate left is a mail the relay took
// just before its mailer died or lost the database, before "sent" was recorded: it goes twice.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "core/db/database.h"
#include "core/server/config.h"
#include "core/server/log.h"
#include "tools/mailer/retry.h"
#include "tools/mailer/transport.h"

using namespace microblog;
using namespace microblog::mail;

namespace {

constexpr std::chrono::seconds kIdlePoll{1};
constexpr std::chrono::seconds kDatabasePause{1};
constexpr std::chrono::minutes kHousekeepingInterval{5};
constexpr size_t kLastErrorBytes = 255;  // outbox.last_error

volatile std::sig_atomic_t stop_requested = 0;

void request_stop(int) {
    stop_requested = 1;
}

// Sleeps up to `duration`, waking early for SIGTERM or SIGINT.
void pause_for(std::chrono::milliseconds duration) {
    const auto end = std::chrono::steady_clock::now() + duration;
    while (!stop_requested && std::chrono::steady_clock::now() < end)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

void install_signal_handlers() {
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    // stdout may be a pipe whose reader went away (run-local's terminal); a write then fails
    // instead of killing the mailer.
    signal(SIGPIPE, SIG_IGN);
}

// Who holds a claim, for the operator reading the outbox: host:pid.
std::string claimant() {
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    std::string name = std::string(host).substr(0, 40) + ":" + std::to_string(getpid());
    return name;
}

// At most the column's bytes, not ending inside a UTF-8 sequence.
std::string fit_last_error(std::string text) {
    if (text.size() <= kLastErrorBytes)
        return text;
    size_t end = kLastErrorBytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        --end;
    text.resize(end);
    return text;
}

struct Claimed {
    long long id;
    std::string recipient;
    std::string message;
    unsigned attempts;       // including this one
    long long seconds_left;  // until mail_retry_hours after it was queued
    std::chrono::steady_clock::time_point lease_end;
};

class Mailer {
  public:
    Mailer(const Config& config, Database& db, Transport& transport)
        : config_(config),
          db_(db),
          transport_(transport),
          claimant_(claimant()),
          lease_seconds_(2LL * config.mail_send_timeout_seconds),
          any_due_(db.prepare("SELECT 1 FROM outbox WHERE state = 'waiting' AND "
                              "next_attempt_at <= UTC_TIMESTAMP() LIMIT 1")),
          // One mail per claim: its lease covers one send.
          lock_due_(db.prepare("SELECT id FROM outbox WHERE state = 'waiting' AND "
                               "next_attempt_at <= UTC_TIMESTAMP() ORDER BY next_attempt_at, id "
                               "LIMIT 1 FOR UPDATE SKIP LOCKED")),
          lease_(db.prepare("UPDATE outbox SET next_attempt_at = UTC_TIMESTAMP() + INTERVAL ? "
                            "SECOND, attempts = attempts + 1, claimed_by = ? WHERE id = ?")),
          read_claimed_(db.prepare(
              "SELECT recipient, message, attempts, TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), "
              "created_at + INTERVAL ? HOUR) FROM outbox WHERE id = ?")),
          // Only while the row is still this attempt's: a mailer whose lease ran out must not
          // overwrite what a later attempt recorded. A sent mail is recorded in any case.
          record_sent_(db.prepare(
              "UPDATE outbox SET state = 'sent', sent_at = UTC_TIMESTAMP(), message = '', "
              "last_error = '' WHERE id = ? AND state = 'waiting'",
              Database::Repeatable::kYes)),
          record_retry_(db.prepare("UPDATE outbox SET last_error = ?, next_attempt_at = "
                                   "UTC_TIMESTAMP() + INTERVAL ? SECOND WHERE id = ? AND "
                                   "state = 'waiting' AND attempts = ?",
                                   Database::Repeatable::kYes)),
          record_failed_(db.prepare("UPDATE outbox SET state = 'failed', message = '', "
                                    "last_error = ? WHERE id = ? AND state = 'waiting' AND "
                                    "attempts = ?",
                                    Database::Repeatable::kYes)),
          delete_old_mail_(db.prepare("DELETE FROM outbox WHERE state <> 'waiting' AND "
                                      "created_at < UTC_TIMESTAMP() - INTERVAL 7 DAY",
                                      Database::Repeatable::kYes)),
          delete_expired_tokens_(
              db.prepare("DELETE FROM password_reset_tokens WHERE expires_at < UTC_TIMESTAMP()",
                         Database::Repeatable::kYes)) {}

    void run() {
        log_line("started as " + claimant_);
        std::optional<std::chrono::steady_clock::time_point> next_housekeeping;
        while (!stop_requested) {
            try {
                const auto now = std::chrono::steady_clock::now();
                if (!next_housekeeping || now >= *next_housekeeping) {
                    housekeep();
                    next_housekeeping = now + kHousekeepingInterval;
                }
                std::optional<Claimed> mail = claim();
                if (database_down_) {
                    log_line("the database answers again");
                    database_down_ = false;
                }
                if (mail)
                    deliver(*mail);
                else
                    pause_for(kIdlePoll);
            } catch (const DatabaseUnavailable& e) {
                // Logged once per outage; Database reconnects at the next statement.
                if (!database_down_)
                    log_line(std::string("database unavailable, trying again: ") + e.what());
                database_down_ = true;
                pause_for(kDatabasePause);
            } catch (const std::runtime_error& e) {
                // A claim lost to a deadlock, or to a Galera certification conflict at COMMIT
                // (error 1213): the row stays with whoever won, the next claim takes another.
                log_line(std::string("claim failed, trying again: ") + e.what());
                pause_for(std::chrono::milliseconds(200));
            }
        }
        log_line("stopped");
    }

  private:
    void housekeep() {
        db_.housekeep(delete_old_mail_, {}, "deleting outbox rows older than 7 days");
        db_.housekeep(delete_expired_tokens_, {}, "deleting expired password reset tokens");
    }

    std::optional<Claimed> claim() {
        if (db_.execute(any_due_, {}).rows.empty())
            return std::nullopt;
        std::optional<Claimed> claimed;
        db_.transaction([&] {
            claimed.reset();
            Result due = db_.execute(lock_due_, {});
            if (due.rows.empty())
                return;  // another mailer holds every due row
            const long long id = std::stoll(due.rows[0].at(0).value());
            db_.execute(lease_, {lease_seconds_, claimant_, id});
            Result row =
                db_.execute(read_claimed_, {static_cast<long long>(config_.mail_retry_hours), id});
            const Row& r = row.rows.at(0);
            claimed =
                Claimed{id,
                        r.at(0).value_or(""),
                        r.at(1).value_or(""),
                        static_cast<unsigned>(std::stoul(r.at(2).value_or("1"))),
                        std::stoll(r.at(3).value_or("0")),
                        std::chrono::steady_clock::now() + std::chrono::seconds(lease_seconds_)};
        });
        return claimed;
    }

    void deliver(const Claimed& mail) {
        const std::string what = "mail " + std::to_string(mail.id) + " to " + mail.recipient;
        const Delivery delivery =
            transport_.deliver({std::to_string(mail.id), mail.recipient, mail.message});
        const std::string reason = fit_last_error(delivery.reason);
        switch (delivery.outcome) {
            case Delivery::Outcome::kDelivered:
                if (record(mail, record_sent_, {mail.id}))
                    log_line(what + " sent");
                return;
            case Delivery::Outcome::kFailed:
                if (record(mail, record_failed_,
                           {reason, mail.id, static_cast<long long>(mail.attempts)}))
                    log_line(what + " failed, the relay refused it: " + reason);
                return;
            case Delivery::Outcome::kRetry:
                break;
        }
        const std::optional<long long> delay =
            next_retry(config_.mail_retry_seconds, mail.attempts, mail.seconds_left);
        if (!delay) {
            if (record(mail, record_failed_,
                       {reason, mail.id, static_cast<long long>(mail.attempts)}))
                log_line(what + " failed after " + std::to_string(mail.attempts) +
                         " attempts in mail_retry_hours: " + reason);
            return;
        }
        if (record(mail, record_retry_,
                   {reason, *delay, mail.id, static_cast<long long>(mail.attempts)}))
            log_line(what + " not sent, trying again in " + std::to_string(*delay) +
                     " s: " + reason);
    }

    // Records an outcome, trying again while the database is away until the lease ends (then
    // the mail is due again anyway). True when recorded.
    bool record(const Claimed& mail, Database::StatementId statement,
                const std::vector<Value>& params) {
        for (;;) {
            try {
                db_.execute(statement, params);
                return true;
            } catch (const std::runtime_error& e) {
                if (std::chrono::steady_clock::now() + kDatabasePause >= mail.lease_end) {
                    log_line("mail " + std::to_string(mail.id) +
                             ": cannot record its outcome, so it will be tried again: " + e.what());
                    return false;
                }
                // Not cut short by SIGTERM: recording is what keeps the mail from going twice.
                std::this_thread::sleep_for(kDatabasePause);
            }
        }
    }

    const Config& config_;
    Database& db_;
    Transport& transport_;
    const std::string claimant_;
    const long long lease_seconds_;
    bool database_down_ = false;
    Database::StatementId any_due_, lock_due_, lease_, read_claimed_, record_sent_, record_retry_,
        record_failed_, delete_old_mail_, delete_expired_tokens_;
};

const char kUsage[] =
    "usage: microblog-mailer [--config FILE]\n\n"
    "Delivers the mail the Microblog pages queue in the outbox table, through mail_transport\n"
    "(smtp to smtp_host, or file into mail_dir), until SIGTERM or SIGINT; then it finishes the\n"
    "mail in hand and exits 0. Log lines go to standard error; the file transport prints\n"
    "\"mail to ADDRESS written to PATH\" and \"  link: URL\" for each link on standard output.\n"
    "FILE defaults to /etc/microblog/microblog.conf.\n";

}  // namespace

int main(int argc, char** argv) {
    set_log_name("microblog-mailer");
    std::string config_path = "/etc/microblog/microblog.conf";
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            return 0;
        }
        if (arg == "--config" && i + 1 < argc) {
            config_path = argv[++i];
            continue;
        }
        std::cerr << "microblog-mailer: unknown argument '" << arg << "'\n" << kUsage;
        return 2;
    }
    try {
        install_signal_handlers();
        init_transports();
        const Config config = load_config(config_path);
        std::unique_ptr<Transport> transport = make_transport(config, std::cout);
        Database db(config);
        Mailer(config, db, *transport).run();
        return 0;
    } catch (const std::exception& e) {
        log_line(e.what());
        return 1;
    }
}
