// /login: the sign-in form (GET) and signing in (POST) with username, password and Remember Me.
// An account with two-factor sign-in goes on to /login/two-factor for its code.
#include "core/accounts/account_rules.h"
#include "core/accounts/events.h"
#include "core/accounts/sign_in.h"
#include "core/http/encoding.h"
#include "core/http/form.h"
#include "core/http/next_url.h"
#include "core/server/server.h"

using namespace microblog;

namespace {

using Site = AppWith<kNeedsLoginThrottle | kNeedsTwoFactor>;

constexpr const char* kInvalidCredentials = "Invalid username or password";

Response show_form(const Request& request, App& app, const Form* form, int status = 200,
                   const std::string& form_error = "") {
    Page page = app.page();
    show_form_state(page.content(), form, {"username"}, {"username", "password"});
    if (form && form->checked("remember_me"))
        page.content().ShowSection("REMEMBER_ME_CHECKED");
    if (!app.config().webauthn_rp_id.empty()) {
        page.content().SetValueAndShowSection("WEBAUTHN_ORIGIN", app.config().webauthn_origin,
                                              "PASSKEYS");
    }
    return app.render_form(request, status, page, form_error);
}

// Back to the form, keeping where the visitor was going.
std::string login_url(const std::string& next) {
    return with_next("/login", next);
}

// The password was right, and the account wants a code too: no session yet. The throttle is
// not reset here, so guesses at the code count against the account like wrong passwords.
Response ask_for_code(const Request& request, Site& app, const User& user, bool remember_me) {
    log_account_event("login password ok, code needed", user.username,
                      request.param("REMOTE_ADDR"));
    Response response = Response::redirect("/login/two-factor");
    response.set_header("Set-Cookie", app.pending_sign_ins().start(user.id, remember_me,
                                                                   request.form().value("next")));
    return response;
}

Response sign_in(const Request& request, Site& app) {
    Form form = request.form();
    form.require("username");
    form.require("password");
    if (!form.valid())
        return show_form(request, app, &form);

    const std::string& username = form.value("username");
    const std::string& password = form.value("password");
    const std::string& next = form.value("next");
    const std::string address = request.param("REMOTE_ADDR");
    // A throttled name is refused before anything else, the same for names with and without an
    // account, and with the answer a wrong password gets, so the lock shows nothing. No hash is
    // computed for it either: a locked name costs an attacker's requests no server time.
    if (app.throttle().locked(username)) {
        log_account_event("login throttled", username, address);
        return app.redirect_with_flash(login_url(next), kInvalidCredentials);
    }
    std::optional<User> user = app.users().find_by_username(username);
    if (!user)
        app.passwords().verify_dummy(password);
    if (!user || !app.passwords().verify(password, user->password_hash)) {
        log_account_event("login failed", username, address);
        app.throttle().record_failure(username);
        return app.redirect_with_flash(login_url(next), kInvalidCredentials);
    }
    if (app.passwords().needs_rehash(user->password_hash)) {
        app.users().update_password_hash(user->id, app.passwords().hash(password));
    }
    if (user->two_factor)
        return ask_for_code(request, app, *user, form.checked("remember_me"));
    return complete_sign_in(app, app.throttle(), request, user->id, user->username,
                            form.checked("remember_me"), next);
}

Response login(const Request& request, Site& app) {
    if (request.method() == "POST")
        return sign_in(request, app);
    return show_form(request, app, nullptr);
}

Response expired_form(const Request& request, App& app) {
    return show_form(request, app, &request.form(), 400,
                     "This form has expired. Please sign in again.");
}

}  // namespace

int main(int argc, char** argv) {
    return serve<Site>(
        argc, argv,
        {
            .name = "login",
            .paths = {"/login"},
            .methods = {"GET", "HEAD", "POST"},
            .audience = Audience::kVisitors,
            .rate_limit = "microblog_login",
            .page = {"Sign In", "login.tpl"},
            .fields = {{"username", 64}, kPasswordRule, {"remember_me", 16}, kNextField},
            .handle = login,
            .expired_form = expired_form,
        });
}
