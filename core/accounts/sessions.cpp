// Creating, resuming and ending sessions.
#include "core/accounts/sessions.h"

#include <iterator>
#include <stdexcept>

#include "core/crypto/crypto.h"
#include "core/crypto/csrf.h"
#include "core/crypto/token.h"
#include "core/http/encoding.h"
#include "core/http/http_error.h"

namespace microblog {
namespace {
// Names a session in the account page's forms: random, so it tells nothing of the token.
constexpr size_t kPublicIdBytes = 16;
constexpr size_t kMaxUserAgentLength = 255;
constexpr size_t kMaxAddressLength = 45;  // the longest textual IPv6 address

// The User-Agent as the account page will show it: printable ASCII only (a browser sends
// nothing else; anything else is someone's noise), cut to the column's length.
std::string stored_user_agent(const std::string& user_agent) {
    std::string kept;
    for (char c : user_agent) {
        if (kept.size() == kMaxUserAgentLength)
            break;
        if (c >= 0x20 && c < 0x7f)
            kept += c;
    }
    return kept;
}

// The first column of the session's row: whether its last-seen time is due for a write.
constexpr const char* kSessionTag =
    "IF(s.last_seen_at < UTC_TIMESTAMP() - INTERVAL 1 MINUTE, 2, 0)";

// The session lookup alone, or with the companion's rows after it. A session is live until it
// expires, and one without Remember Me only while used within the idle timeout (the ?
// after the token). UNION ALL returns its branches in order, and the first column tells the
// session's row (0, or 2 when its last-seen time is due) from the others (1).
std::string find_session_sql(const CompanionRead& companion) {
    const std::string live_session =
        " FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.token_hash = ? AND s.expires_at > UTC_TIMESTAMP() "
        "AND (s.remember_me OR s.last_seen_at > UTC_TIMESTAMP() - INTERVAL ? MINUTE)";
    std::string session_row = std::string("SELECT ") + kSessionTag + ", u.id, u.username";
    if (companion.sql.empty())
        return session_row + live_session;
    if (companion.columns < 3)
        throw std::logic_error("a companion read needs at least 3 columns: " + companion.sql);
    std::string padding;
    for (unsigned i = 3; i < companion.columns; ++i)
        padding += ", NULL";
    return "(" + session_row + padding + live_session + ") UNION ALL (" + companion.sql + ")";
}
// The session's row (tag 0 or 2) becomes the identity, the others (tag 1) the companion rows,
// in the order the companion's ORDER BY gave them; nothing when there is no session row.
std::optional<Resumed> split_rows(std::vector<Row>& rows, bool& last_seen_due) {
    std::optional<Resumed> resumed;
    CompanionRows companion_rows;
    for (Row& row : rows) {
        if (row.at(0) != "1") {
            last_seen_due = row.at(0) == "2";
            resumed.emplace();
            resumed->identity.user_id = row.at(1).value_or("");
            resumed->identity.username = row.at(2).value_or("");
        } else {
            companion_rows.emplace_back(std::make_move_iterator(row.begin() + 1),
                                        std::make_move_iterator(row.end()));
        }
    }
    if (resumed)
        resumed->companion_rows = std::move(companion_rows);
    return resumed;
}
}  // namespace

SessionStore::SessionStore(Database& db, const Signer& signer, const CookiePolicy& cookies,
                           const Config& config, const CompanionRead& companion)
    : db_(db),
      signer_(signer),
      cookies_(cookies),
      config_(config),
      insert_(db.prepare(
          "INSERT INTO sessions (token_hash, public_id, user_id, created_at, last_seen_at, "
          "expires_at, remember_me, user_agent, ip_address, confirmed_at) VALUES (?, ?, ?, "
          "UTC_TIMESTAMP(6), UTC_TIMESTAMP(), DATE_ADD(UTC_TIMESTAMP(6), INTERVAL ? HOUR), ?, ?, "
          "?, "
          "UTC_TIMESTAMP())",
          Database::Repeatable::kInsertOnce)),
      // Anyone's sign-in sweeps a batch of dead sessions, so none waits for its own user to
      // come back; bounded, so one sign-in never pays for a backlog.
      delete_expired_(db.prepare(
          "DELETE FROM sessions WHERE expires_at <= UTC_TIMESTAMP() OR (NOT remember_me AND "
          "last_seen_at <= UTC_TIMESTAMP() - INTERVAL ? MINUTE) LIMIT 200",
          Database::Repeatable::kYes)),
      // All but the user's newest max_sessions_per_user sessions (the derived table lets
      // MariaDB take a LIMIT inside IN).
      delete_oldest_(db.prepare(
          "DELETE FROM sessions WHERE user_id = ? AND token_hash NOT IN (SELECT token_hash FROM "
          "(SELECT token_hash FROM sessions WHERE user_id = ? "
          "ORDER BY created_at DESC LIMIT ?) newest)",
          Database::Repeatable::kYes)),
      find_(db.prepare(find_session_sql(companion))),
      touch_(db.prepare("UPDATE sessions SET last_seen_at = UTC_TIMESTAMP() WHERE token_hash = ?",
                        Database::Repeatable::kYes)),
      delete_(db.prepare("DELETE FROM sessions WHERE token_hash = ?", Database::Repeatable::kYes)),
      find_lifetime_(db.prepare(
          "SELECT remember_me, GREATEST(TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), expires_at), 0) "
          "FROM sessions WHERE token_hash = ?")),
      replace_token_(
          db.prepare("UPDATE sessions SET token_hash = ?, confirmed_at = UTC_TIMESTAMP() "
                     "WHERE token_hash = ?")) {}

std::string SessionStore::start(long long user_id, bool remember_me, const SessionOrigin& origin) {
    CookieToken token = new_cookie_token(signer_, kSessionCookie);
    long long hours = remember_me ? 24LL * config_.remember_me_days : config_.session_hours;
    long long idle_minutes = config_.session_idle_minutes;
    db_.housekeep(delete_expired_, {idle_minutes}, "sessions sweep");
    db_.execute(insert_, {Bytes{token.key}, Bytes{random_bytes(kPublicIdBytes)}, user_id, hours,
                          remember_me ? 1LL : 0LL, stored_user_agent(origin.user_agent),
                          origin.ip_address.substr(0, kMaxAddressLength)});
    db_.execute(delete_oldest_,
                {user_id, user_id, static_cast<long long>(config_.max_sessions_per_user)});
    std::optional<long> max_age;
    if (remember_me)
        max_age = hours * 3600;
    return cookies_.set(kSessionCookie, token.cookie_value, max_age);
}

std::string SessionStore::session_cookie(const std::string& token,
                                         std::optional<long> max_age) const {
    return cookies_.set(kSessionCookie, sign_cookie_token(signer_, kSessionCookie, token), max_age);
}

// The same session's cookie signed with the current key, lasting as long as the session does.
std::string SessionStore::renewed_cookie(const std::string& token, const std::string& key) {
    Result result = db_.execute(find_lifetime_, {Bytes{key}});
    std::optional<long> max_age;
    if (!result.rows.empty() && result.rows[0].at(0) == "1")
        max_age = std::stol(result.rows[0].at(1).value_or("0"));
    return session_cookie(token, max_age);
}

std::optional<Resumed> SessionStore::resume(const std::vector<std::string>& cookie_values) {
    for (const std::string& value : cookie_values) {
        std::optional<CookieToken> token = read_cookie_token(signer_, kSessionCookie, value);
        if (!token)
            continue;
        const std::string& key = token->key;
        Result result =
            db_.execute(find_, {Bytes{key}, static_cast<long long>(config_.session_idle_minutes)});
        bool last_seen_due = false;
        std::optional<Resumed> resumed = split_rows(result.rows, last_seen_due);
        if (!resumed)
            continue;
        if (last_seen_due)
            db_.execute(touch_, {Bytes{key}});
        resumed->identity.session_key = hex_encode(key);
        resumed->identity.csrf_token = csrf_token_for(signer_, token->secret);
        resumed->identity.csrf_binding = token->secret;
        if (token->stale_key)
            resumed->identity.renewed_cookie = renewed_cookie(token->secret, key);
        return resumed;
    }
    return std::nullopt;
}

void SessionStore::end(const std::string& session_key) {
    std::optional<std::string> key = hex_decode(session_key);
    if (!key || key->size() != kCookieTokenKeyBytes)
        return;
    db_.execute(delete_, {Bytes{*key}});
}

std::string SessionStore::replace_token(const std::string& session_key) {
    std::optional<std::string> key = hex_decode(session_key);
    if (!key || key->size() != kCookieTokenKeyBytes)
        throw std::logic_error("replace_token needs a session key");
    CookieToken token = new_cookie_token(signer_, kSessionCookie);
    if (db_.execute(replace_token_, {Bytes{token.key}, Bytes{*key}}).affected_rows != 1)
        // Ended meanwhile (by the user in another browser): like any ended session, a sign-in.
        throw HttpError(401, "Your session has ended. Please sign in again.");
    return renewed_cookie(token.secret, token.key);
}

}  // namespace microblog
