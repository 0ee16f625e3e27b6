// Signed-in sessions: a random 256-bit token in a signed cookie, and its SHA-256 as the key of
// a row in MariaDB. Any host can check a session, and deleting the row ends it everywhere.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "cookies.h"
#include "database.h"
#include "request.h"
#include "signed_value.h"

namespace microblog {

inline constexpr std::string_view kSessionCookie = "session";

class SessionStore {
  public:
    SessionStore(Database& db, const Signer& signer, const CookiePolicy& cookies,
                 const Config& config);

    // Stores a new session and returns the Set-Cookie value for it: a browser-session cookie,
    // or with Remember Me one that lasts remember_me_days.
    std::string start(long long user_id, bool remember_me);
    // The signed-in identity for the first session cookie that verifies and is live in the
    // database; nothing for a visitor (no, tampered, expired or revoked cookie).
    std::optional<Identity> resume(const std::vector<std::string>& cookie_values);
    // Deletes the session with this key (Identity::session_key).
    void end(const std::string& session_key);
    std::string clear_cookie() const { return cookies_.clear(kSessionCookie); }

  private:
    Database& db_;
    const Signer& signer_;
    const CookiePolicy& cookies_;
    const Config& config_;
    Database::StatementId insert_;
    Database::StatementId delete_expired_;
    Database::StatementId find_;
    Database::StatementId delete_;
};

}  // namespace microblog
