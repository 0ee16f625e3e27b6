// Per-account sign-in throttling in MariaDB (sql/005_create_login_throttle.sql): after
// throttle_failures failed sign-ins for one username within throttle_window_minutes, sign-ins
// to it are refused for throttle_minutes. Usernames without an account are throttled the same
// way. Each step is one statement on the database's clock, so workers and hosts share the count.
#pragma once

#include <string>

#include "core/db/database.h"
#include "core/server/config.h"

namespace microblog {

class LoginThrottle {
  public:
    LoginThrottle(Database& db, const Config& config);

    // Whether sign-ins to this username (as typed; compared regardless of letter case, like the
    // sign-in lookup) are refused now.
    bool locked(const std::string& username);
    // Counts a failed sign-in; the one that reaches throttle_failures starts the lock. When it
    // adds a row, dead rows of other names are deleted too, which bounds the table.
    void record_failure(const std::string& username);
    // A successful sign-in: the name starts over.
    void reset(const std::string& username);

  private:
    Database& db_;
    const Config& config_;
    Database::StatementId locked_;
    Database::StatementId record_failure_;
    Database::StatementId sweep_;
    Database::StatementId reset_;
};

}  // namespace microblog
