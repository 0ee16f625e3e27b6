// Asking a signed-in user for their password again (sudo mode at /confirm, the current password
// when changing it). Wrong guesses count against the account like failed sign-ins
// (core/accounts/throttle.h), so a stolen session cookie cannot be used to find the password.
#pragma once

#include <string>

#include "core/http/request.h"
#include "core/server/app.h"

namespace microblog {

enum class Reauth { kCorrect, kIncorrect, kThrottled };

// Checks `password` against the signed-in user's hash; logs "EVENT ok", "EVENT failed" or
// "EVENT throttled" with the user and address. A correct password also records a confirmation
// of the session (sudo mode) in `account_sessions` and lifts the account's throttle.
Reauth check_password_again(App& app, LoginThrottle& throttle, AccountSessions& account_sessions,
                            const Request& request, const std::string& password,
                            const std::string& event);

inline constexpr const char* kIncorrectPassword = "Incorrect password.";
inline constexpr const char* kTooManyPasswordTries =
    "Too many incorrect passwords. Please wait a few minutes and try again.";

}  // namespace microblog
