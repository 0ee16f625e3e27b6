// The pending_sign_ins table: a random token in a signed cookie, its SHA-256 as the row's key.
#include "core/two_factor/pending_sign_ins.h"

#include "core/crypto/token.h"
#include "core/http/next_url.h"

namespace microblog {
namespace {
constexpr long kLifetimeSeconds = 5 * 60;
}  // namespace

PendingSignIns::PendingSignIns(Database& db, const Signer& signer, const CookiePolicy& cookies)
    : db_(db),
      signer_(signer),
      cookies_(cookies),
      sweep_(
          db.prepare("DELETE FROM pending_sign_ins WHERE expires_at <= UTC_TIMESTAMP() LIMIT 100",
                     Database::Repeatable::kYes)),
      insert_(db.prepare(
          "INSERT INTO pending_sign_ins (token_hash, user_id, remember_me, next_path, expires_at) "
          "VALUES (?, ?, ?, ?, UTC_TIMESTAMP() + INTERVAL ? SECOND)")),
      find_(db.prepare("SELECT p.user_id, u.username, p.remember_me, p.next_path "
                       "FROM pending_sign_ins p JOIN users u ON u.id = p.user_id "
                       "WHERE p.token_hash = ? AND p.expires_at > UTC_TIMESTAMP()")),
      delete_(db.prepare("DELETE FROM pending_sign_ins WHERE token_hash = ?",
                         Database::Repeatable::kYes)),
      delete_all_(db.prepare("DELETE FROM pending_sign_ins WHERE user_id = ?",
                             Database::Repeatable::kYes)) {}

void PendingSignIns::end_all(long long user_id) {
    db_.execute(delete_all_, {user_id});
}

std::string PendingSignIns::start(long long user_id, bool remember_me, const std::string& next) {
    CookieToken token = new_cookie_token(signer_, kPendingSignInCookie);
    db_.housekeep(sweep_, {}, "pending_sign_ins sweep");
    // Only a `next` that can be followed is kept; it also fits next_path (kMaxNextLength).
    db_.execute(insert_, {Bytes{token.key}, user_id, remember_me ? 1LL : 0LL,
                          is_safe_next(next) ? next : std::string(),
                          static_cast<long long>(kLifetimeSeconds)});
    return cookies_.set(kPendingSignInCookie, token.cookie_value, kLifetimeSeconds);
}

std::optional<PendingSignIn> PendingSignIns::find(const std::vector<std::string>& cookie_values) {
    for (const std::string& value : cookie_values) {
        std::optional<CookieToken> token = read_cookie_token(signer_, kPendingSignInCookie, value);
        if (!token)
            continue;
        Result result = db_.execute(find_, {Bytes{token->key}});
        if (result.rows.empty())
            continue;
        const Row& row = result.rows.front();
        return PendingSignIn{std::stoll(row.at(0).value_or("0")), row.at(1).value_or(""),
                             row.at(2) == "1", row.at(3).value_or(""), token->key};
    }
    return std::nullopt;
}

void PendingSignIns::finish(const std::string& key) {
    db_.execute(delete_, {Bytes{key}});
}

}  // namespace microblog
