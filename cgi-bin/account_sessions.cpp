// /account/sessions: every live session of the signed-in user, with a "Sign out" button for
// each other one and one for all the others. Sudo mode: it opens only after a recent password
// confirmation. Forms name a session by its public id; the statements also name the user, so an
// id of someone else's session ends nothing.
#include "core/accounts/events.h"
#include "core/http/form.h"
#include "core/http/user_agent.h"
#include "core/server/server.h"

using namespace microblog;

namespace {

using Site = AppWith<kNeedsAccountSessions>;

constexpr const char* kNoSuchSession =
    "That session is not signed in any more, so there was nothing to sign out.";

void show_session(ctemplate::TemplateDictionary& dict, const SessionSummary& session,
                  const std::string& csrf_token) {
    dict.SetValue("PUBLIC_ID", session.public_id);
    dict.SetValue("DEVICE", describe_user_agent(session.user_agent));
    dict.SetValue("IP_ADDRESS", session.ip_address.empty() ? "unknown" : session.ip_address);
    dict.SetValue("SIGNED_IN_AT", session.signed_in_at);
    dict.SetValue("REMEMBERED", session.remembered ? "Yes" : "No");
    if (session.current) {
        dict.ShowSection("CURRENT");
    } else {
        ctemplate::TemplateDictionary* other = dict.AddSectionDictionary("OTHER");
        other->SetValue("LAST_ACTIVE_AT", session.last_active_at);
        other->SetValue("CSRF_TOKEN", csrf_token);
    }
}

Response show_sessions(const Request& request, Site& app) {
    const Identity& identity = request.identity();
    Page page = app.page();
    std::vector<SessionSummary> sessions =
        app.account_sessions().list(std::stoll(identity.user_id), identity.session_key);
    bool has_others = false;
    for (const SessionSummary& session : sessions) {
        show_session(*page.content().AddSectionDictionary("SESSION"), session, identity.csrf_token);
        has_others = has_others || !session.current;
    }
    if (has_others)
        page.content()
            .AddSectionDictionary("HAS_OTHERS")
            ->SetValue("CSRF_TOKEN", identity.csrf_token);
    return app.render(request, 200, page);
}

Response unknown_action(const Request& request, Site& app) {
    return app.error_page(request, 400,
                          "That request did not say which session to sign out. Please use the "
                          "buttons on the sessions page.");
}

Response end_one(const Request& request, Site& app) {
    const Identity& identity = request.identity();
    const Form& form = request.form();
    if (!form.valid())
        return unknown_action(request, app);
    if (!app.account_sessions().end(std::stoll(identity.user_id), form.value("session"),
                                    identity.session_key))
        return app.redirect_with_flash("/account/sessions", kNoSuchSession);
    log_account_event("session ended", identity.username, request.param("REMOTE_ADDR"));
    return app.redirect_with_flash("/account/sessions", "That session has been signed out.");
}

Response end_others(const Request& request, Site& app) {
    const Identity& identity = request.identity();
    unsigned long long ended =
        app.account_sessions().end_others(std::stoll(identity.user_id), identity.session_key);
    log_account_event("other sessions ended (" + std::to_string(ended) + ")", identity.username,
                      request.param("REMOTE_ADDR"));
    return app.redirect_with_flash("/account/sessions",
                                   ended == 0 ? "There were no other sessions to sign out."
                                              : "All your other sessions have been signed out.");
}

Response expired_form(const Request& request, Site& app) {
    return app.error_page(request, 400,
                          "This form has expired, so no session was signed out. Please open the "
                          "sessions page again and use its buttons.");
}

}  // namespace

int main(int argc, char** argv) {
    return serve<Site>(
        argc, argv,
        {
            .name = "account_sessions",
            .paths = {"/account/sessions"},
            .methods = {"GET", "HEAD", "POST"},
            .audience = Audience::kSignedIn,
            .confirmation = Confirmation::kRecent,
            .page = {"Your Sessions", "account_sessions.tpl"},
            .actions = {{.name = "end", .fields = {{"session", 64}}, .handle = end_one},
                        {.name = "end_others", .handle = end_others}},
            .handle = show_sessions,
            .expired_form = expired_form,
            .unknown_action = unknown_action,
        });
}
