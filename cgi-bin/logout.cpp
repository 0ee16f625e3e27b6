// /logout: signing out is a POST carrying the session's CSRF token (the navigation's Logout
// button). GET shows a one-button confirmation, so a link or prefetch can never sign anyone out.
#include "core/form.h"
#include "core/http_error.h"
#include "core/server.h"

using namespace microblog;

namespace {

Response confirm(const Request& request, App& app) {
    Page page("Sign Out", "logout.tpl");
    return app.render_form(request, 200, page, "");
}

Response sign_out(const Request& request, App& app) {
    Form form(request, {{"csrf_token", 64}});
    if (!app.csrf_token_valid(request, form.value("csrf_token"))) {
        throw HttpError(400, "This sign-out form has expired. Please use the Logout button again.");
    }
    app.sessions().end(request.identity().session_key);
    Response response = Response::redirect("/index");
    response.set_header("Set-Cookie", app.sessions().clear_cookie());
    return response;
}

Response logout(const Request& request, App& app) {
    if (!request.identity().signed_in())
        return Response::redirect("/index");
    if (request.method() == "POST")
        return sign_out(request, app);
    return confirm(request, app);
}

}  // namespace

int main(int argc, char** argv) {
    return serve(argc, argv, Route{"logout", {"GET", "HEAD", "POST"}, {"logout.tpl"}, logout});
}
