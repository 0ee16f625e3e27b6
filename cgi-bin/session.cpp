// /_auth/required and /_auth/optional: nginx's auth subrequest before every dynamic page.
// Answers who the visitor is (as X-Microblog-* headers nginx hands to the page), or, where
// sign-in is required and the visitor has no live session, 401 with the login URL to redirect to.
#include "core/encoding.h"
#include "core/flash.h"
#include "core/server.h"

using namespace microblog;

namespace {

Response signed_in(const Identity& identity) {
    Response response = Response::status_only(200);
    response.set_header("X-Microblog-User-Id", identity.user_id);
    // Hex, so no byte of a user-chosen name can break a header line.
    response.set_header("X-Microblog-User-Name", hex_encode(identity.username));
    response.set_header("X-Microblog-Session", identity.session_key);
    response.set_header("X-Microblog-Csrf", identity.csrf_token);
    return response;
}

Response login_required(const Request& request, App& app) {
    Response response = Response::status_only(401);
    // nginx cannot URL-encode, so the program builds the whole Location.
    response.set_header("X-Microblog-Login-Location",
                        "/login?next=" + url_encode_component(request.param("REQUEST_URI")));
    response.set_header(
        "X-Microblog-Flash-Cookie",
        flash_cookie(app.signer(), app.cookies(), {"Please log in to access this page."}));
    return response;
}

Response check_session(const Request& request, App& app) {
    std::optional<Identity> identity =
        app.sessions().resume(request.cookies(app.cookies().name(kSessionCookie)));
    if (identity)
        return signed_in(*identity);
    if (request.param("MICROBLOG_AUTH_MODE") == "required")
        return login_required(request, app);
    return Response::status_only(200);
}

}  // namespace

int main(int argc, char** argv) {
    return serve(argc, argv, Route{"session", {}, {}, check_session});
}
