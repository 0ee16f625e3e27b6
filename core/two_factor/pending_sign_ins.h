// Sign-ins waiting for their second step (sql/008_two_factor.sql): after a right password,
// a user with two-factor sign-in gets no session yet, only this browser-bound, five-minute
// pending state holding Remember Me and `next` for when the code is right.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/crypto/signed_value.h"
#include "core/db/database.h"
#include "core/http/cookies.h"

namespace microblog {

inline constexpr std::string_view kPendingSignInCookie = "pending_sign_in";

struct PendingSignIn {
    long long user_id = 0;
    std::string username;
    bool remember_me = false;
    std::string next;  // as the sign-in form had it; checked again before redirecting
    std::string key;   // the row's key, for finish()
};

class PendingSignIns {
  public:
    PendingSignIns(Database& db, const Signer& signer, const CookiePolicy& cookies);

    // Stores the pending sign-in and returns the Set-Cookie that binds it to this browser.
    std::string start(long long user_id, bool remember_me, const std::string& next);
    // The live pending sign-in the browser's cookie names, if any.
    std::optional<PendingSignIn> find(const std::vector<std::string>& cookie_values);
    // Ends it (the second step is done, or given up).
    void finish(const std::string& key);
    // Ends every pending sign-in of the user (their password was reset).
    void end_all(long long user_id);
    std::string clear_cookie() const { return cookies_.clear(kPendingSignInCookie); }

  private:
    Database& db_;
    const Signer& signer_;
    const CookiePolicy& cookies_;
    Database::StatementId sweep_;
    Database::StatementId insert_;
    Database::StatementId find_;
    Database::StatementId delete_;
    Database::StatementId delete_all_;
};

}  // namespace microblog
