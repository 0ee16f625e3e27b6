// Completing a sign-in.
#include "sign_in.h"

#include "events.h"
#include "next_url.h"

namespace microblog {

Response complete_sign_in(App& app, const Request& request, long long user_id,
                          const std::string& username, bool remember_me, const std::string& next) {
    const std::string address = request.param("REMOTE_ADDR");
    app.throttle().reset(username);
    Response response = Response::redirect(redirect_target(next, "/index"));
    SessionOrigin origin{request.param("HTTP_USER_AGENT"), address};
    response.set_header("Set-Cookie", app.sessions().start(user_id, remember_me, origin));
    log_account_event("login ok", username, address);
    return response;
}

}  // namespace microblog
