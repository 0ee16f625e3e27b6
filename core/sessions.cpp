// Creating, resuming and ending sessions.
#include "sessions.h"

#include "crypto.h"
#include "csrf.h"
#include "encoding.h"

namespace microblog {
namespace {
// 256 bits: far beyond guessing, and the same size as the stored hash.
constexpr size_t kTokenBytes = 32;
}  // namespace

SessionStore::SessionStore(Database& db, const Signer& signer, const CookiePolicy& cookies,
                           const Config& config)
    : db_(db),
      signer_(signer),
      cookies_(cookies),
      config_(config),
      insert_(db.prepare(
          "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, remember_me) "
          "VALUES (?, ?, UTC_TIMESTAMP(), DATE_ADD(UTC_TIMESTAMP(), INTERVAL ? HOUR), ?)")),
      delete_expired_(
          db.prepare("DELETE FROM sessions WHERE user_id = ? AND expires_at <= UTC_TIMESTAMP()",
                     Database::Repeatable::kYes)),
      find_(db.prepare("SELECT u.id, u.username FROM sessions s JOIN users u ON u.id = s.user_id "
                       "WHERE s.token_hash = ? AND s.expires_at > UTC_TIMESTAMP()")),
      delete_(db.prepare("DELETE FROM sessions WHERE token_hash = ?", Database::Repeatable::kYes)) {
}

std::string SessionStore::start(long long user_id, bool remember_me) {
    std::string token = random_bytes(kTokenBytes);
    long long hours = remember_me ? 24LL * config_.remember_me_days : config_.session_hours;
    // Signing in is when this user's dead sessions are swept, so the table does not grow
    // without a separate cleanup job.
    db_.execute(delete_expired_, {user_id});
    db_.execute(insert_, {Bytes{sha256(token)}, user_id, hours, remember_me ? 1LL : 0LL});
    std::optional<long> max_age;
    if (remember_me)
        max_age = hours * 3600;
    return cookies_.set(kSessionCookie, signer_.sign(kSessionCookie, token), max_age);
}

std::optional<Identity> SessionStore::resume(const std::vector<std::string>& cookie_values) {
    for (const std::string& value : cookie_values) {
        std::optional<std::string> token = signer_.verify(kSessionCookie, value);
        if (!token || token->size() != kTokenBytes)
            continue;
        std::string key = sha256(*token);
        Result result = db_.execute(find_, {Bytes{key}});
        if (result.rows.empty())
            continue;
        Identity identity;
        identity.user_id = *result.rows[0][0];
        identity.username = *result.rows[0][1];
        identity.session_key = hex_encode(key);
        identity.csrf_token = csrf_token_for(signer_, *token);
        return identity;
    }
    return std::nullopt;
}

void SessionStore::end(const std::string& session_key) {
    std::optional<std::string> key = hex_decode(session_key);
    if (!key || key->size() != kTokenBytes)
        return;
    db_.execute(delete_, {Bytes{*key}});
}

}  // namespace microblog
