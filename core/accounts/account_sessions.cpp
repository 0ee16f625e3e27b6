// The account pages' SQL over the sessions table. Every statement names the user as well as
// the session, so no id from a form can reach another user's sessions.
#include "core/accounts/account_sessions.h"

#include <optional>

#include "core/http/encoding.h"

namespace microblog {
namespace {
constexpr size_t kSessionKeyBytes = 32;
constexpr size_t kPublicIdBytes = 16;

// A session key (Identity::session_key) as the database holds it.
Bytes key_bytes(const std::string& session_key) {
    std::optional<std::string> key = hex_decode(session_key);
    if (!key || key->size() != kSessionKeyBytes)
        throw std::logic_error("not a session key");
    return Bytes{*key};
}

// The same liveness test as the session lookup (core/accounts/sessions.cpp): a session listed here
// is one that would let its browser in.
constexpr const char* kLive =
    "expires_at > UTC_TIMESTAMP() "
    "AND (remember_me OR last_seen_at > UTC_TIMESTAMP() - INTERVAL ? MINUTE)";
}  // namespace

AccountSessions::AccountSessions(Database& db, const Config& config)
    : db_(db),
      config_(config),
      list_(db.prepare(std::string("SELECT public_id, user_agent, ip_address, "
                                   "DATE_FORMAT(created_at, '%Y-%m-%d %H:%i'), "
                                   "DATE_FORMAT(last_seen_at, '%Y-%m-%d %H:%i'), remember_me, "
                                   "token_hash = ? FROM sessions WHERE user_id = ? AND ") +
                       kLive +
                       " ORDER BY token_hash = ? DESC, last_seen_at DESC, created_at DESC")),
      end_(
          db.prepare("DELETE FROM sessions WHERE user_id = ? AND public_id = ? AND token_hash <> ?",
                     Database::Repeatable::kYes)),
      end_others_(db.prepare("DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?",
                             Database::Repeatable::kYes)),
      end_all_(db.prepare("DELETE FROM sessions WHERE user_id = ?", Database::Repeatable::kYes)),
      confirmed_(db.prepare("SELECT 1 FROM sessions WHERE token_hash = ? "
                            "AND confirmed_at > UTC_TIMESTAMP() - INTERVAL ? MINUTE")),
      confirm_(db.prepare("UPDATE sessions SET confirmed_at = UTC_TIMESTAMP() WHERE token_hash = ?",
                          Database::Repeatable::kYes)) {}

std::vector<SessionSummary> AccountSessions::list(long long user_id,
                                                  const std::string& current_key) {
    Bytes key = key_bytes(current_key);
    long long idle_minutes = config_.session_idle_minutes;
    Result result = db_.execute(list_, {key, user_id, idle_minutes, key});
    std::vector<SessionSummary> sessions;
    for (const Row& row : result.rows) {
        SessionSummary session;
        session.public_id = hex_encode(row.at(0).value_or(""));
        session.user_agent = row.at(1).value_or("");
        session.ip_address = row.at(2).value_or("");
        session.signed_in_at = row.at(3).value_or("");
        session.last_active_at = row.at(4).value_or("");
        session.remembered = row.at(5) == "1";
        session.current = row.at(6) == "1";
        sessions.push_back(std::move(session));
    }
    return sessions;
}

bool AccountSessions::end(long long user_id, const std::string& public_id,
                          const std::string& current_key) {
    std::optional<std::string> id = hex_decode(public_id);
    if (!id || id->size() != kPublicIdBytes)
        return false;
    return db_.execute(end_, {user_id, Bytes{*id}, key_bytes(current_key)}).affected_rows == 1;
}

unsigned long long AccountSessions::end_all(long long user_id) {
    return db_.execute(end_all_, {user_id}).affected_rows;
}

unsigned long long AccountSessions::end_others(long long user_id, const std::string& current_key) {
    return db_.execute(end_others_, {user_id, key_bytes(current_key)}).affected_rows;
}

bool AccountSessions::confirmed_recently(const std::string& session_key) {
    long long minutes = config_.reauth_minutes;
    return !db_.execute(confirmed_, {key_bytes(session_key), minutes}).rows.empty();
}

void AccountSessions::confirm(const std::string& session_key) {
    db_.execute(confirm_, {key_bytes(session_key)});
}

}  // namespace microblog
