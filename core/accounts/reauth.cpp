// Checking the password of the user already signed in.
#include "core/accounts/reauth.h"

#include <optional>

#include "core/accounts/events.h"
#include "core/http/http_error.h"

namespace microblog {

Reauth check_password_again(App& app, LoginThrottle& throttle, AccountSessions& account_sessions,
                            const Request& request, const std::string& password,
                            const std::string& event) {
    const Identity& identity = request.identity();
    const std::string address = request.param("REMOTE_ADDR");
    if (throttle.locked(identity.username)) {
        log_account_event(event + " throttled", identity.username, address);
        return Reauth::kThrottled;
    }
    std::optional<User> user = app.users().find_by_id(std::stoll(identity.user_id));
    // The user was deleted while signed in: their session went with them (ON DELETE CASCADE).
    if (!user)
        throw HttpError(401, "Your session has ended. Please sign in again.");
    if (!app.passwords().verify(password, user->password_hash)) {
        log_account_event(event + " failed", identity.username, address);
        throttle.record_failure(identity.username);
        return Reauth::kIncorrect;
    }
    throttle.reset(identity.username);
    account_sessions.confirm(identity.session_key);
    log_account_event(event + " ok", identity.username, address);
    return Reauth::kCorrect;
}

}  // namespace microblog
