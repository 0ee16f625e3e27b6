// Passkeys in MariaDB (sql/009_passkeys.sql): the credentials users registered, and the
// single-use challenges the server issues for each ceremony, bound to the browser that asked
// by a signed cookie.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto/signed_value.h"
#include "core/db/database.h"
#include "core/http/cookies.h"

namespace microblog {

inline constexpr std::string_view kWebAuthnCookie = "webauthn";

struct Passkey {
    long long id = 0;
    long long user_id = 0;
    std::string username;
    std::string public_key;  // SPKI DER
    long algorithm = 0;      // COSE
    uint32_t sign_count = 0;
};

struct PasskeySummary {
    long long id = 0;
    std::string name;
    std::string created_at;    // "YYYY-MM-DD HH:MM", UTC
    std::string last_used_at;  // the same, or empty when never used
};

struct IssuedChallenge {
    std::string challenge;  // 32 random bytes
    std::string cookie;     // Set-Cookie binding it to this browser
};

class PasskeyStore {
  public:
    PasskeyStore(Database& db, const Signer& signer, const CookiePolicy& cookies);

    // `ceremony` is "create" (for `user_id`) or "get" (anyone signing in: user_id 0).
    IssuedChallenge issue_challenge(const std::string& ceremony, long long user_id);
    // The challenge this browser was issued for the ceremony (and user), used up by the call;
    // nothing when there is none, it expired, or it was used already.
    std::optional<std::string> take_challenge(const std::vector<std::string>& cookie_values,
                                              const std::string& ceremony, long long user_id);

    // False when the credential is registered already (to anyone).
    bool add(long long user_id, const std::string& credential_id, const std::string& public_key,
             long algorithm, uint32_t sign_count, const std::string& name);
    std::vector<PasskeySummary> list(long long user_id);
    std::vector<std::string> credential_ids(long long user_id);
    // Removes the user's passkey with this id; false when there is none.
    bool remove(long long user_id, long long passkey_id);
    std::optional<Passkey> find(const std::string& credential_id);
    // Records a sign-in with the authenticator's new counter. False, and nothing recorded, when
    // the counter did not go up although it is in use (not zero): a sign of a cloned
    // authenticator, or of two sign-ins racing with one assertion.
    bool record_use(const Passkey& passkey, uint32_t new_sign_count);

  private:
    Database& db_;
    const Signer& signer_;
    const CookiePolicy& cookies_;
    Database::StatementId sweep_;
    Database::StatementId insert_challenge_;
    Database::StatementId find_challenge_;
    Database::StatementId delete_challenge_;
    Database::StatementId insert_;
    Database::StatementId list_;
    Database::StatementId ids_;
    Database::StatementId remove_;
    Database::StatementId find_;
    Database::StatementId use_;
};

}  // namespace microblog
