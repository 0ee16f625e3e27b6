// /reset_password/<token>: the page a reset mail links to. GET shows the form and changes
// nothing, so a mail scanner that opens the link uses nothing up. The POST sets the new password
// and, in the same transaction, voids every reset token of the user, ends all their sessions and
// pending two-factor sign-ins, lifts the sign-in lock and queues a notice to their address. It
// never signs anyone in: two-factor and passkeys are asked for as usual afterwards. Any token
// that is not live (unknown, used, expired, malformed) gets one 404 page saying so.
#include <ctemplate/template.h>

#include <ctime>

#include "core/accounts/account_rules.h"
#include "core/accounts/events.h"
#include "core/accounts/reset_token.h"
#include "core/http/form.h"
#include "core/http/user_agent.h"
#include "core/server/server.h"

using namespace microblog;

namespace {

using Site = AppWith<kNeedsPasswordResets | kNeedsOutbox | kNeedsPasswordPolicy |
                     kNeedsAccountSessions | kNeedsTwoFactor | kNeedsLoginThrottle>;

const std::initializer_list<std::string> kFields = {"password", "password2"};
constexpr const char* kTemplate = "reset_password.tpl";

// The token in the path nginx passed, and its user if it is live.
struct Link {
    std::string token;
    std::optional<User> user;
};

Link read_link(const Request& request, Site& app) {
    Link link;
    std::optional<std::string> token = reset_token_from_path(request.param("DOCUMENT_URI"));
    if (!token)
        return link;
    link.token = *token;
    if (std::optional<long long> user_id = app.password_resets().find_user(link.token))
        link.user = app.users().find_by_id(*user_id);
    return link;
}

Response invalid_link(const Request& request, App& app) {
    Page page("Invalid Link", kTemplate);
    page.content().ShowSection("INVALID");
    return app.render(request, 404, page);
}

Response show_form(const Request& request, App& app, const User& user, const Form* form,
                   int status = 200, const std::string& form_error = "") {
    Page page = app.page();
    page.content().ShowSection("FORM");
    // For password managers: which account's password this is.
    page.content().SetValue("USERNAME", user.username);
    show_form_state(page.content(), form, {}, kFields);
    return app.render_form(request, status, page, form_error);
}

std::string utc_now() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &utc);
    return text;
}

// What the owner needs to tell whether it was them; nothing that would help anyone else.
MailMessage changed_mail(const Request& request, Site& app, const User& user) {
    ctemplate::TemplateDictionary values("password_changed");
    values.SetValue("USERNAME", user.username);
    values.SetValue("WHEN", utc_now());
    values.SetValue("ADDRESS", address_for_log(request.param("REMOTE_ADDR")));
    values.SetValue("BROWSER", describe_user_agent(request.param("HTTP_USER_AGENT")));
    values.SetValue("RESET_REQUEST_URL", app.config().site_url + "/reset_password_request");
    return {.to_name = user.username,
            .to_address = user.email,
            .subject = "[Microblog] Your password was changed",
            .body = app.render_mail(kPasswordChangedMailTemplate, values)};
}

Response reset(const Request& request, Site& app, const Link& link) {
    const User& user = *link.user;
    Form form = request.form();
    check_new_password(form, app.password_policy(), user.username);
    if (!form.valid())
        return show_form(request, app, user, &form);
    const std::string hash = app.passwords().hash(form.value("password"));
    bool claimed = false;
    unsigned long long ended = 0;
    app.db().transaction([&] {
        claimed = false;  // a deadlock runs this again (core/db/database.h)
        // Locked, so a second use of the link (another browser, a double click) waits for this
        // one and then finds it gone.
        if (app.password_resets().claim(link.token) != user.id)
            return;
        claimed = true;
        app.users().update_password_hash(user.id, hash);
        app.password_resets().void_all(user.id);
        ended = app.account_sessions().end_all(user.id);
        app.pending_sign_ins().end_all(user.id);
        app.throttle().reset(user.username);
        app.outbox().queue(MailKind::kPasswordChanged, changed_mail(request, app, user));
    });
    if (!claimed)
        return invalid_link(request, app);
    log_account_event("password reset, " + std::to_string(ended) + " sessions ended", user.username,
                      request.param("REMOTE_ADDR"));
    return app.redirect_with_flash("/login", "Your password has been reset.");
}

Response reset_page(const Request& request, Site& app) {
    Link link = read_link(request, app);
    if (!link.user)
        return invalid_link(request, app);
    if (request.method() == "POST")
        return reset(request, app, link);
    return show_form(request, app, *link.user, nullptr);
}

Response expired_form(const Request& request, Site& app) {
    Link link = read_link(request, app);
    if (!link.user)
        return invalid_link(request, app);
    return show_form(request, app, *link.user, nullptr, 400,
                     "This form has expired. Please enter your new password again.");
}

}  // namespace

int main(int argc, char** argv) {
    return serve<Site>(argc, argv,
                       {
                           .name = "reset_password",
                           // A path ending in "/" is a prefix: nginx sends everything under it.
                           .paths = {std::string(kResetPathPrefix)},
                           .methods = {"GET", "HEAD", "POST"},
                           .audience = Audience::kVisitors,
                           .rate_limit = "microblog_login",
                           // The token is in the URL: no Referer may carry it anywhere.
                           .referrer_policy = ReferrerPolicy::kNoReferrer,
                           .page = {"Reset Your Password", kTemplate},
                           .fields = {kPasswordRule, kPassword2Rule},
                           .handle = reset_page,
                           .expired_form = expired_form,
                       });
}
