// /confirm: sudo mode. A signed-in user sent here by a sensitive page enters their password
// again and goes back to exactly that page (`next`, when it is a path on this site). Wrong
// passwords are throttled like sign-in.
#include "core/accounts/account_rules.h"
#include "core/accounts/reauth.h"
#include "core/http/form.h"
#include "core/http/next_url.h"
#include "core/server/server.h"

using namespace microblog;

namespace {

using Site = AppWith<kNeedsLoginThrottle | kNeedsAccountSessions>;

Response show_form(const Request& request, App& app, const Form* form, int status = 200,
                   const std::string& form_error = "") {
    Page page = app.page();
    page.content().SetValue("USERNAME", request.identity().username);
    show_form_state(page.content(), form, {}, {"password"});
    return app.render_form(request, status, page, form_error);
}

Response confirm(const Request& request, Site& app) {
    Form form = request.form();
    form.require("password");
    if (!form.valid())
        return show_form(request, app, &form);
    switch (check_password_again(app, app.throttle(), app.account_sessions(), request,
                                 form.value("password"), "confirm")) {
        case Reauth::kCorrect:
            return Response::redirect(redirect_target(form.value("next"), "/account"));
        case Reauth::kIncorrect:
            form.add_error("password", kIncorrectPassword);
            break;
        case Reauth::kThrottled:
            form.add_error("password", kTooManyPasswordTries);
            break;
    }
    return show_form(request, app, &form);
}

Response confirm_page(const Request& request, Site& app) {
    if (request.method() == "POST")
        return confirm(request, app);
    return show_form(request, app, nullptr);
}

Response expired_form(const Request& request, App& app) {
    return show_form(request, app, nullptr, 400,
                     "This form has expired. Please enter your password again.");
}

}  // namespace

int main(int argc, char** argv) {
    return serve<Site>(argc, argv,
                       {
                           .name = "confirm",
                           .paths = {"/confirm"},
                           .methods = {"GET", "HEAD", "POST"},
                           .audience = Audience::kSignedIn,
                           .rate_limit = "microblog_login",
                           .page = {"Confirm Password", "confirm.tpl"},
                           .fields = {kPasswordRule, kNextField},
                           .handle = confirm_page,
                           .expired_form = expired_form,
                       });
}
