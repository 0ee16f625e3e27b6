// A signed-in user's own sessions, as the account pages show and end them, and the sudo-mode
// confirmation each session keeps (sql/007_session_details.sql). Sessions are named here by
// their public id, never by the token or its hash.
#pragma once

#include <string>
#include <vector>

#include "core/db/database.h"
#include "core/server/config.h"

namespace microblog {

struct SessionSummary {
    std::string public_id;   // 32 lowercase hex digits
    std::string user_agent;  // as stored at sign-in
    std::string ip_address;
    std::string signed_in_at;    // "YYYY-MM-DD HH:MM", UTC
    std::string last_active_at;  // the same; written at most about once a minute
    bool remembered = false;
    bool current = false;  // the session asking
};

class AccountSessions {
  public:
    AccountSessions(Database& db, const Config& config);

    // The user's live sessions, the asking one first, then by latest activity.
    std::vector<SessionSummary> list(long long user_id, const std::string& current_key);
    // Ends the user's session with this public id, unless it is the asking one. False when the
    // id names no live session of this user (ended already, someone else's, or malformed).
    bool end(long long user_id, const std::string& public_id, const std::string& current_key);
    // Ends every session of the user but the asking one; returns how many ended.
    unsigned long long end_others(long long user_id, const std::string& current_key);
    // Ends every session of the user (a password reset, asked for by no session); returns how
    // many ended.
    unsigned long long end_all(long long user_id);

    // Whether this session entered the password within reauth_minutes.
    bool confirmed_recently(const std::string& session_key);
    // Records that this session entered the password now.
    void confirm(const std::string& session_key);

  private:
    Database& db_;
    const Config& config_;
    Database::StatementId list_;
    Database::StatementId end_;
    Database::StatementId end_others_;
    Database::StatementId end_all_;
    Database::StatementId confirmed_;
    Database::StatementId confirm_;
};

}  // namespace microblog
