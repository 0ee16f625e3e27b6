// The end of every successful sign-in, whether the password finished it or the second step did.
#pragma once

#include <string>

#include "core/http/request.h"
#include "core/http/response.h"
#include "core/server/app.h"

namespace microblog {

// A new session (Remember Me as asked), the account's throttle cleared, "login ok" logged, and
// a redirect to `next` when it is a path on this site (else the home page).
Response complete_sign_in(App& app, LoginThrottle& throttle, const Request& request,
                          long long user_id, const std::string& username, bool remember_me,
                          const std::string& next);
// The same without the redirect (a script reads where to go): the session's Set-Cookie.
std::string start_signed_in_session(App& app, LoginThrottle& throttle, const Request& request,
                                    long long user_id, const std::string& username,
                                    bool remember_me);

}  // namespace microblog
