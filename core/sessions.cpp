// Creating, resuming and ending sessions.
#include "sessions.h"

#include <iterator>
#include <stdexcept>

#include "crypto.h"
#include "csrf.h"
#include "encoding.h"

namespace microblog {
namespace {
// 256 bits: far beyond guessing, and the same size as the stored hash.
constexpr size_t kTokenBytes = 32;

// The session lookup alone, or with the companion's rows after it. UNION ALL returns its
// branches in order, and the first column tells the session's row (0) from the others (1).
std::string find_session_sql(const CompanionRead& companion) {
    const std::string live_session =
        " FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.token_hash = ? AND s.expires_at > UTC_TIMESTAMP()";
    if (companion.sql.empty())
        return "SELECT 0, u.id, u.username" + live_session;
    if (companion.columns < 3)
        throw std::logic_error("a companion read needs at least 3 columns: " + companion.sql);
    std::string padding;
    for (unsigned i = 3; i < companion.columns; ++i)
        padding += ", NULL";
    return "(SELECT 0, u.id, u.username" + padding + live_session + ") UNION ALL (" +
           companion.sql + ")";
}
// The session's row (tag 0) becomes the identity, the others (tag 1) the companion rows, in
// the order the companion's ORDER BY gave them; nothing when there is no session row.
std::optional<Resumed> split_rows(std::vector<Row>& rows) {
    std::optional<Resumed> resumed;
    CompanionRows companion_rows;
    for (Row& row : rows) {
        if (row.at(0) == "0") {
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
          "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, remember_me) "
          "VALUES (?, ?, UTC_TIMESTAMP(), DATE_ADD(UTC_TIMESTAMP(), INTERVAL ? HOUR), ?)")),
      delete_expired_(
          db.prepare("DELETE FROM sessions WHERE user_id = ? AND expires_at <= UTC_TIMESTAMP()",
                     Database::Repeatable::kYes)),
      find_(db.prepare(find_session_sql(companion))),
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

std::optional<Resumed> SessionStore::resume(const std::vector<std::string>& cookie_values) {
    for (const std::string& value : cookie_values) {
        std::optional<std::string> token = signer_.verify(kSessionCookie, value);
        if (!token || token->size() != kTokenBytes)
            continue;
        std::string key = sha256(*token);
        Result result = db_.execute(find_, {Bytes{key}});
        std::optional<Resumed> resumed = split_rows(result.rows);
        if (!resumed)
            continue;
        resumed->identity.session_key = hex_encode(key);
        resumed->identity.csrf_token = csrf_token_for(signer_, *token);
        return resumed;
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
