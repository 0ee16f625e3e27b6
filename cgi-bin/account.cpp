// /account: the signed-in user's username and email, and the ways to look after the account.
// Only signed-in users reach it: its Route says kSignedIn, and nginx answers visitors early.
#include "core/http/http_error.h"
#include "core/server/server.h"

using namespace microblog;

namespace {

Response account(const Request& request, App& app) {
    std::optional<User> user = app.users().find_by_id(std::stoll(request.identity().user_id));
    if (!user)
        throw HttpError(401, "Your session has ended. Please sign in again.");
    Page page = app.page();
    page.content().SetValue("USERNAME", user->username);
    page.content().SetValue("EMAIL", user->email);
    return app.render(request, 200, page);
}

}  // namespace

int main(int argc, char** argv) {
    return serve(argc, argv,
                 {
                     .name = "account",
                     .paths = {"/account"},
                     .methods = {"GET", "HEAD"},
                     .audience = Audience::kSignedIn,
                     .csrf = Csrf::kNotNeeded,
                     .page = {"Your Account", "account.tpl"},
                     .handle = account,
                 });
}
