// /account/password: changing the password (GET shows the form). The current password must be
// given, and is throttled like sign-in; the new one follows the registration rules. A change
// ends every other session of the user, voids their password reset links and gives this browser
// a new session token.
#include "core/accounts/account_rules.h"
#include "core/accounts/events.h"
#include "core/accounts/reauth.h"
#include "core/http/form.h"
#include "core/server/server.h"

using namespace microblog;

namespace {

using Site = AppWith<kNeedsLoginThrottle | kNeedsPasswordPolicy | kNeedsAccountSessions |
                     kNeedsPasswordResets>;

const FieldRule kCurrentPasswordRule{"current_password", 1024, FieldRule::Unit::kBytes, false};

const std::initializer_list<std::string> kFields = {"current_password", "password", "password2"};

Response show_form(const Request& request, App& app, const Form* form, int status = 200,
                   const std::string& form_error = "") {
    Page page = app.page();
    // For password managers: which account's password this is.
    page.content().SetValue("USERNAME", request.identity().username);
    show_form_state(page.content(), form, {}, kFields);
    return app.render_form(request, status, page, form_error);
}

void validate(Form& form, Site& app, const Request& request) {
    form.require("current_password");
    check_new_password(form, app.password_policy(), request.identity().username);
    if (form.error("current_password"))
        return;
    switch (check_password_again(app, app.throttle(), app.account_sessions(), request,
                                 form.value("current_password"), "password change")) {
        case Reauth::kCorrect:
            break;
        case Reauth::kIncorrect:
            form.add_error("current_password", kIncorrectPassword);
            break;
        case Reauth::kThrottled:
            form.add_error("current_password", kTooManyPasswordTries);
            break;
    }
}

// The new hash, the end of every other session and reset link, and this session's new token:
// all or nothing.
Response change_password(const Request& request, Site& app) {
    Form form = request.form();
    validate(form, app, request);
    if (!form.valid())
        return show_form(request, app, &form);
    const Identity& identity = request.identity();
    const long long user_id = std::stoll(identity.user_id);
    const std::string hash = app.passwords().hash(form.value("password"));
    std::string session_cookie;
    unsigned long long ended = 0;
    app.db().transaction([&] {
        app.users().update_password_hash(user_id, hash);
        ended = app.account_sessions().end_others(user_id, identity.session_key);
        app.password_resets().void_all(user_id);
        session_cookie = app.sessions().replace_token(identity.session_key);
    });
    log_account_event("password changed, " + std::to_string(ended) + " other sessions ended",
                      identity.username, request.param("REMOTE_ADDR"));
    Response response = app.redirect_with_flash("/account", "Your password has been changed.");
    response.set_header("Set-Cookie", session_cookie);
    return response;
}

Response password_page(const Request& request, Site& app) {
    if (request.method() == "POST")
        return change_password(request, app);
    return show_form(request, app, nullptr);
}

Response expired_form(const Request& request, App& app) {
    return show_form(request, app, nullptr, 400,
                     "This form has expired. Please enter your passwords again.");
}

}  // namespace

int main(int argc, char** argv) {
    return serve<Site>(argc, argv,
                       {
                           .name = "account_password",
                           .paths = {"/account/password"},
                           .methods = {"GET", "HEAD", "POST"},
                           .audience = Audience::kSignedIn,
                           .rate_limit = "microblog_login",
                           .page = {"Change Password", "account_password.tpl"},
                           .fields = {kCurrentPasswordRule, kPasswordRule, kPassword2Rule},
                           .handle = password_page,
                           .expired_form = expired_form,
                       });
}
