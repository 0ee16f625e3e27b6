// The passkey tables' SQL.
#include "core/passkeys/passkeys.h"

#include "core/crypto/crypto.h"
#include "core/crypto/token.h"

namespace microblog {
namespace {
constexpr size_t kChallengeBytes = 32;
constexpr long kChallengeSeconds = 120;
}  // namespace

PasskeyStore::PasskeyStore(Database& db, const Signer& signer, const CookiePolicy& cookies)
    : db_(db),
      signer_(signer),
      cookies_(cookies),
      sweep_(db.prepare(
          "DELETE FROM webauthn_challenges WHERE expires_at <= UTC_TIMESTAMP() LIMIT 100",
          Database::Repeatable::kYes)),
      insert_challenge_(db.prepare(
          "INSERT INTO webauthn_challenges (token_hash, challenge, ceremony, user_id, expires_at) "
          "VALUES (?, ?, ?, NULLIF(?, 0), UTC_TIMESTAMP() + INTERVAL ? SECOND)")),
      find_challenge_(db.prepare(
          "SELECT challenge FROM webauthn_challenges WHERE token_hash = ? AND ceremony = ? AND "
          "COALESCE(user_id, 0) = ? AND expires_at > UTC_TIMESTAMP()")),
      delete_challenge_(db.prepare("DELETE FROM webauthn_challenges WHERE token_hash = ?")),
      insert_(db.prepare("INSERT INTO passkeys (user_id, credential_id, public_key, algorithm, "
                         "sign_count, name, created_at) VALUES (?, ?, ?, ?, ?, ?, "
                         "UTC_TIMESTAMP())")),
      list_(db.prepare("SELECT id, name, DATE_FORMAT(created_at, '%Y-%m-%d %H:%i'), "
                       "DATE_FORMAT(last_used_at, '%Y-%m-%d %H:%i') FROM passkeys "
                       "WHERE user_id = ? ORDER BY created_at, id")),
      ids_(db.prepare("SELECT credential_id FROM passkeys WHERE user_id = ?")),
      remove_(db.prepare("DELETE FROM passkeys WHERE user_id = ? AND id = ?",
                         Database::Repeatable::kYes)),
      find_(db.prepare("SELECT p.id, p.user_id, u.username, p.public_key, p.algorithm, "
                       "p.sign_count FROM passkeys p JOIN users u ON u.id = p.user_id "
                       "WHERE p.credential_id = ?")),
      use_(db.prepare("UPDATE passkeys SET sign_count = ?, last_used_at = UTC_TIMESTAMP() "
                      "WHERE id = ? AND sign_count = ?")) {}

IssuedChallenge PasskeyStore::issue_challenge(const std::string& ceremony, long long user_id) {
    CookieToken token = new_cookie_token(signer_, kWebAuthnCookie);
    IssuedChallenge issued{random_bytes(kChallengeBytes), ""};
    db_.housekeep(sweep_, {}, "webauthn_challenges sweep");
    db_.execute(insert_challenge_, {Bytes{token.key}, Bytes{issued.challenge}, ceremony, user_id,
                                    static_cast<long long>(kChallengeSeconds)});
    issued.cookie = cookies_.set(kWebAuthnCookie, token.cookie_value, kChallengeSeconds);
    return issued;
}

std::optional<std::string> PasskeyStore::take_challenge(
    const std::vector<std::string>& cookie_values, const std::string& ceremony, long long user_id) {
    for (const std::string& value : cookie_values) {
        std::optional<CookieToken> token = read_cookie_token(signer_, kWebAuthnCookie, value);
        if (!token)
            continue;
        const Bytes key{token->key};
        Result found = db_.execute(find_challenge_, {key, ceremony, user_id});
        // Deleting is what uses it up: of two requests racing with one challenge, one wins.
        if (found.rows.empty() || db_.execute(delete_challenge_, {key}).affected_rows != 1)
            continue;
        return found.rows.front().at(0);
    }
    return std::nullopt;
}

bool PasskeyStore::add(long long user_id, const std::string& credential_id,
                       const std::string& public_key, long algorithm, uint32_t sign_count,
                       const std::string& name) {
    try {
        db_.execute(insert_,
                    {user_id, Bytes{credential_id}, Bytes{public_key},
                     static_cast<long long>(algorithm), static_cast<long long>(sign_count), name});
        return true;
    } catch (const DuplicateKey&) {
        return false;
    }
}

std::vector<PasskeySummary> PasskeyStore::list(long long user_id) {
    std::vector<PasskeySummary> passkeys;
    for (const Row& row : db_.execute(list_, {user_id}).rows) {
        passkeys.push_back(PasskeySummary{std::stoll(row.at(0).value_or("0")),
                                          row.at(1).value_or(""), row.at(2).value_or(""),
                                          row.at(3).value_or("")});
    }
    return passkeys;
}

std::vector<std::string> PasskeyStore::credential_ids(long long user_id) {
    std::vector<std::string> ids;
    for (const Row& row : db_.execute(ids_, {user_id}).rows)
        ids.push_back(row.at(0).value_or(""));
    return ids;
}

bool PasskeyStore::remove(long long user_id, long long passkey_id) {
    return db_.execute(remove_, {user_id, passkey_id}).affected_rows == 1;
}

std::optional<Passkey> PasskeyStore::find(const std::string& credential_id) {
    Result result = db_.execute(find_, {Bytes{credential_id}});
    if (result.rows.empty())
        return std::nullopt;
    const Row& row = result.rows.front();
    return Passkey{std::stoll(row.at(0).value_or("0")),
                   std::stoll(row.at(1).value_or("0")),
                   row.at(2).value_or(""),
                   row.at(3).value_or(""),
                   std::stol(row.at(4).value_or("0")),
                   uint32_t(std::stoul(row.at(5).value_or("0")))};
}

bool PasskeyStore::record_use(const Passkey& passkey, uint32_t new_sign_count) {
    const bool counting = passkey.sign_count != 0 || new_sign_count != 0;
    if (counting && new_sign_count <= passkey.sign_count)
        return false;
    // The row changes only if its counter is still the one read: of two sign-ins racing with
    // one counter value, one wins. (Without a counter there is nothing to race for.)
    unsigned long long changed =
        db_.execute(use_, {static_cast<long long>(new_sign_count), passkey.id,
                           static_cast<long long>(passkey.sign_count)})
            .affected_rows;
    return !counting || changed == 1;
}

}  // namespace microblog
