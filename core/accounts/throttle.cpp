// The throttle's SQL. record_failure is one INSERT ... ON DUPLICATE KEY UPDATE: a new name gets
// its first failure; an existing row whose window is over starts a new window; otherwise the
// count goes up, and the failure that reaches the limit sets locked_until. Each assignment reads
// only columns assigned after it (or itself), so the outcome is the same whether the server
// evaluates them left to right (MariaDB's default) or simultaneously (SIMULTANEOUS_ASSIGNMENT).
#include "core/accounts/throttle.h"

namespace microblog {
namespace {
// Dead rows deleted per new row at most: more than one, so the dead never pile up, and few, so
// the statement stays short.
constexpr long long kSweepRows = 20;
}  // namespace

LoginThrottle::LoginThrottle(Database& db, const Config& config)
    : db_(db),
      config_(config),
      locked_(db.prepare("SELECT 1 FROM login_throttle WHERE username_key = LOWER(?) AND "
                         "locked_until > UTC_TIMESTAMP()")),
      record_failure_(db.prepare(
          "INSERT INTO login_throttle (username_key, failures, window_ends_at, locked_until) "
          "VALUES (LOWER(?), 1, UTC_TIMESTAMP() + INTERVAL ? MINUTE, "
          "IF(? <= 1, UTC_TIMESTAMP() + INTERVAL ? MINUTE, NULL)) "
          "ON DUPLICATE KEY UPDATE "
          "locked_until = IF(window_ends_at <= UTC_TIMESTAMP(), "
          "COALESCE(VALUES(locked_until), locked_until), "
          "IF(failures + 1 >= ?, UTC_TIMESTAMP() + INTERVAL ? MINUTE, locked_until)), "
          "failures = IF(window_ends_at <= UTC_TIMESTAMP(), 1, failures + 1), "
          "window_ends_at = IF(window_ends_at <= UTC_TIMESTAMP(), VALUES(window_ends_at), "
          "window_ends_at)")),
      sweep_(db.prepare("DELETE FROM login_throttle WHERE expires_at <= UTC_TIMESTAMP() "
                        "ORDER BY expires_at LIMIT ?",
                        Database::Repeatable::kYes)),
      reset_(db.prepare("DELETE FROM login_throttle WHERE username_key = LOWER(?)",
                        Database::Repeatable::kYes)) {}

bool LoginThrottle::locked(const std::string& username) {
    return !db_.execute(locked_, {username}).rows.empty();
}

void LoginThrottle::record_failure(const std::string& username) {
    long long limit = config_.throttle_failures;
    long long window = config_.throttle_window_minutes;
    long long lock = config_.throttle_minutes;
    Result result = db_.execute(record_failure_, {username, window, limit, lock, limit, lock});
    // 1: a new row (2: an existing one changed).
    if (result.affected_rows != 1)
        return;
    db_.housekeep(sweep_, {kSweepRows}, "login_throttle sweep");
}

void LoginThrottle::reset(const std::string& username) {
    db_.execute(reset_, {username});
}

}  // namespace microblog
