// /logout: signing out is a POST carrying the session's CSRF token (the navigation's Logout
// button). GET shows a one-button confirmation, so a link or prefetch can never sign anyone out.
// A visitor has nothing to sign out of and is sent home.
#include "core/accounts/events.h"
#include "core/server/server.h"

using namespace microblog;

namespace {

Response confirm(const Request& request, App& app) {
    Page page = app.page();
    return app.render_form(request, 200, page, "");
}

Response sign_out(const Request& request, App& app) {
    app.sessions().end(request.identity().session_key);
    log_account_event("logout", request.identity().username, request.param("REMOTE_ADDR"));
    Response response = Response::redirect("/index");
    response.set_header("Set-Cookie", app.sessions().clear_cookie());
    return response;
}

Response logout(const Request& request, App& app) {
    if (request.method() == "POST")
        return sign_out(request, app);
    return confirm(request, app);
}

Response expired_form(const Request& request, App& app) {
    return app.error_page(request, 400,
                          "This sign-out form has expired. Please use the Logout button again.");
}

}  // namespace

int main(int argc, char** argv) {
    return serve(argc, argv,
                 {
                     .name = "logout",
                     .paths = {"/logout"},
                     .methods = {"GET", "HEAD", "POST"},
                     .audience = Audience::kSession,
                     .page = {"Sign Out", "logout.tpl"},
                     .handle = logout,
                     .expired_form = expired_form,
                 });
}
