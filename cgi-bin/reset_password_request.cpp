// /reset_password_request: "Forgot your password?" (GET shows the form). Every valid POST gets
// the same answer, whether the address has an account or not, is over its send budget or not:
// the mail is queued in the outbox (tools/mailer sends it), never sent here, so the answer takes
// no longer either way and a relay that is down fails nothing.
#include <ctemplate/template.h>

#include "core/accounts/account_rules.h"
#include "core/accounts/events.h"
#include "core/accounts/reset_token.h"
#include "core/http/form.h"
#include "core/server/server.h"

using namespace microblog;

namespace {

using Site = AppWith<kNeedsPasswordResets | kNeedsOutbox>;

constexpr const char* kCheckYourEmail =
    "Check your email for the instructions to reset your password";

Response show_form(const Request& request, App& app, const Form* form, int status = 200,
                   const std::string& form_error = "") {
    Page page = app.page();
    show_form_state(page.content(), form, {"email"}, {"email"});
    return app.render_form(request, status, page, form_error);
}

MailMessage reset_mail(Site& app, const User& user, const std::string& token) {
    ctemplate::TemplateDictionary values("reset_password");
    values.SetValue("USERNAME", user.username);
    // Only from the configuration: a request's Host or X-Forwarded-Host never reaches a link.
    values.SetValue("LINK", reset_link(app.config().site_url, token));
    values.SetIntValue("MINUTES", static_cast<long>(app.config().reset_token_minutes));
    return {.to_name = user.username,
            .to_address = user.email,
            .subject = "[Microblog] Reset Your Password",
            .body = app.render_mail(kResetMailTemplate, values)};
}

// The token and its mail in one transaction: neither exists without the other. The user's row
// is locked first, so concurrent requests for one account count against the budget in turn.
void send_reset(const Request& request, Site& app, const User& user) {
    bool queued = false;
    app.db().transaction([&] {
        queued = false;  // a deadlock runs this again (core/db/database.h)
        app.password_resets().lock_user(user.id);
        if (!app.outbox().within_budget(user.email))
            return;
        const std::string token = app.password_resets().issue(user.id);
        app.outbox().queue(MailKind::kPasswordReset, reset_mail(app, user, token));
        queued = true;
    });
    log_account_event(queued ? "password reset requested" : "password reset over budget",
                      user.username, request.param("REMOTE_ADDR"));
}

Response request_reset(const Request& request, Site& app) {
    Form form = request.form();
    form.require("email");
    if (!form.error("email") && !is_email_address(form.value("email")))
        form.add_error("email", "Invalid email address.");
    if (!form.valid())
        return show_form(request, app, &form);
    if (std::optional<User> user = app.users().find_by_email(form.value("email")))
        send_reset(request, app, *user);
    return app.redirect_with_flash("/login", kCheckYourEmail);
}

Response reset_request_page(const Request& request, Site& app) {
    if (request.method() == "POST")
        return request_reset(request, app);
    return show_form(request, app, nullptr);
}

Response expired_form(const Request& request, App& app) {
    return show_form(request, app, &request.form(), 400,
                     "This form has expired. Please enter your email again.");
}

}  // namespace

int main(int argc, char** argv) {
    return serve<Site>(argc, argv,
                       {
                           .name = "reset_password_request",
                           .paths = {"/reset_password_request"},
                           .methods = {"GET", "HEAD", "POST"},
                           .audience = Audience::kVisitors,
                           .rate_limit = "microblog_login",
                           .page = {"Reset Password", "reset_password_request.tpl"},
                           .fields = {kEmailRule},
                           .handle = reset_request_page,
                           .expired_form = expired_form,
                       });
}
