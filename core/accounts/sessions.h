// Signed-in sessions: a random 256-bit token in a signed cookie, and its SHA-256 as the key of
// a row in MariaDB. Any host can check a session, and deleting the row ends it everywhere.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/crypto/signed_value.h"
#include "core/db/database.h"
#include "core/http/cookies.h"
#include "core/http/request.h"
#include "core/server/config.h"

namespace microblog {

inline constexpr std::string_view kSessionCookie = "session";

// A read a page makes on every request, folded into the session lookup so that the page costs
// one database round trip instead of two. `sql` is a SELECT without parameters whose rows do
// not depend on who is asking; its first column is the constant 1 (the session's own row has 0
// there), and it has `columns` columns in all, at least 3. Its rows reach the route, without
// that first column, when the visitor is signed in (Request::companion_rows).
struct CompanionRead {
    std::string sql;
    unsigned columns = 0;
};

// Where a sign-in came from, kept with its session for the account page.
struct SessionOrigin {
    std::string user_agent;  // as the browser sent it; stored as printable ASCII, cut to 255
    std::string ip_address;  // REMOTE_ADDR, as nginx passed it (after its real-IP step)
};

// A live session: who it belongs to, and the rows of the companion read.
struct Resumed {
    Identity identity;
    CompanionRows companion_rows;
};

class SessionStore {
  public:
    SessionStore(Database& db, const Signer& signer, const CookiePolicy& cookies,
                 const Config& config, const CompanionRead& companion = {});

    // Stores a new session and returns the Set-Cookie value for it: a browser-session cookie,
    // or with Remember Me one that lasts remember_me_days.
    std::string start(long long user_id, bool remember_me, const SessionOrigin& origin = {});
    // The signed-in identity for the first session cookie that verifies and is live in the
    // database; nothing for a visitor (no, tampered, expired or revoked cookie). The database is
    // asked only about cookies whose signature verifies.
    std::optional<Resumed> resume(const std::vector<std::string>& cookie_values);
    // Deletes the session with this key (Identity::session_key).
    void end(const std::string& session_key);
    // Gives the session with this key a new token (after a password change, so a token that may
    // have leaked with the old password is worth nothing) and counts as a confirmation of the
    // password. Returns its Set-Cookie, lasting as long as the session does (Remember Me kept).
    // The caller's Identity still names the old key.
    std::string replace_token(const std::string& session_key);
    std::string clear_cookie() const { return cookies_.clear(kSessionCookie); }

  private:
    std::string session_cookie(const std::string& token, std::optional<long> max_age) const;
    std::string renewed_cookie(const std::string& token, const std::string& key);

    Database& db_;
    const Signer& signer_;
    const CookiePolicy& cookies_;
    const Config& config_;
    Database::StatementId insert_;
    Database::StatementId delete_expired_;
    Database::StatementId delete_oldest_;
    Database::StatementId find_;
    Database::StatementId touch_;
    Database::StatementId delete_;
    Database::StatementId find_lifetime_;
    Database::StatementId replace_token_;
};

}  // namespace microblog
