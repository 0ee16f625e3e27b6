// Completing a sign-in.
#include "core/accounts/sign_in.h"

#include "core/accounts/events.h"
#include "core/http/next_url.h"

namespace microblog {

std::string start_signed_in_session(App& app, LoginThrottle& throttle, const Request& request,
                                    long long user_id, const std::string& username,
                                    bool remember_me) {
    const std::string address = request.param("REMOTE_ADDR");
    throttle.reset(username);
    SessionOrigin origin{request.param("HTTP_USER_AGENT"), address};
    std::string cookie = app.sessions().start(user_id, remember_me, origin);
    log_account_event("login ok", username, address);
    return cookie;
}

Response complete_sign_in(App& app, LoginThrottle& throttle, const Request& request,
                          long long user_id, const std::string& username, bool remember_me,
                          const std::string& next) {
    Response response = Response::redirect(redirect_target(next, "/index"));
    response.set_header("Set-Cookie", start_signed_in_session(app, throttle, request, user_id,
                                                              username, remember_me));
    return response;
}

}  // namespace microblog
