// /login/two-factor: the second step of signing in for an account with two-factor sign-in. The
// browser's pending sign-in (after a right password, at most 5 minutes old) and a right code
// from the authenticator app, or an unused recovery code, complete the sign-in as a password
// alone does for other accounts. Wrong codes count against the account like wrong passwords.
#include <ctime>

#include "core/accounts/events.h"
#include "core/accounts/sign_in.h"
#include "core/http/form.h"
#include "core/server/server.h"

using namespace microblog;

namespace {

using Site = AppWith<kNeedsLoginThrottle | kNeedsTwoFactor>;

constexpr const char* kInvalidCode = "Invalid code.";

Response show_form(const Request& request, App& app, const Form* form, int status = 200,
                   const std::string& form_error = "") {
    Page page = app.page();
    if (request.form().value("recovery") == "1")
        page.content().ShowSection("RECOVERY");
    else
        page.content().ShowSection("APP_CODE");
    show_form_state(page.content(), form, {}, {"code"});
    return app.render_form(request, status, page, form_error);
}

// Without a live pending sign-in (none, expired, or another browser's), back to the password.
Response start_again(Site& app) {
    Response response =
        app.redirect_with_flash("/login", "Please sign in again: that sign-in has expired.");
    response.set_header("Set-Cookie", app.pending_sign_ins().clear_cookie());
    return response;
}

Response verify(const Request& request, Site& app, const PendingSignIn& pending) {
    Form form = request.form();
    form.require("code");
    if (!form.valid())
        return show_form(request, app, &form);
    const std::string address = request.param("REMOTE_ADDR");
    // A locked account gets the wrong code's answer, as a locked sign-in gets the wrong password's.
    if (app.throttle().locked(pending.username)) {
        log_account_event("login code throttled", pending.username, address);
        form.add_error("code", kInvalidCode);
        return show_form(request, app, &form);
    }
    CodeCheck check = app.two_factor().check_code_or_recovery_code(
        pending.user_id, form.value("code"), time(nullptr));
    if (check != CodeCheck::kAccepted) {
        log_account_event(
            check == CodeCheck::kAlreadyUsed ? "login code reused" : "login code failed",
            pending.username, address);
        app.throttle().record_failure(pending.username);
        form.add_error("code", kInvalidCode);
        return show_form(request, app, &form);
    }
    app.pending_sign_ins().finish(pending.key);
    Response response = complete_sign_in(app, app.throttle(), request, pending.user_id,
                                         pending.username, pending.remember_me, pending.next);
    response.set_header("Set-Cookie", app.pending_sign_ins().clear_cookie());
    return response;
}

Response second_step(const Request& request, Site& app) {
    std::optional<PendingSignIn> pending =
        app.pending_sign_ins().find(request.cookies(app.cookies().name(kPendingSignInCookie)));
    if (!pending)
        return start_again(app);
    if (request.method() == "POST")
        return verify(request, app, *pending);
    return show_form(request, app, nullptr);
}

Response expired_form(const Request& request, App& app) {
    return show_form(request, app, nullptr, 400,
                     "This form has expired. Please enter the code again.");
}

}  // namespace

int main(int argc, char** argv) {
    return serve<Site>(argc, argv,
                       {
                           .name = "login_two_factor",
                           .paths = {"/login/two-factor"},
                           .methods = {"GET", "HEAD", "POST"},
                           .audience = Audience::kVisitors,
                           .rate_limit = "microblog_login",
                           .page = {"Two-Factor Sign In", "login_two_factor.tpl"},
                           // `recovery`: the form for a recovery code instead of the app's.
                           .fields = {{"code", 64}, {"recovery", 1}},
                           .handle = second_step,
                           .expired_form = expired_form,
                       });
}
