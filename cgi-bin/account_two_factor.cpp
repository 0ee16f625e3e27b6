// /account/two-factor: setting up, renewing the recovery codes of, and turning off two-factor
// sign-in. Sudo mode: it opens only after a recent password confirmation. Setting up shows a new
// secret (QR code and text) that becomes active only when a code from it is entered; the
// recovery codes are shown once, when made. Turning it off needs a current code or a recovery code.
#include <ctime>
#include <sstream>

#include "core/accounts/events.h"
#include "core/http/encoding.h"
#include "core/http/form.h"
#include "core/server/server.h"
#include "core/two_factor/qr_svg.h"
#include "core/two_factor/totp.h"

using namespace microblog;

namespace {

using Site = AppWith<kNeedsLoginThrottle | kNeedsTwoFactor>;

constexpr const char* kInvalidCode = "Invalid code.";
const FieldRule kCodeField{"code", 64};

long long user_id_of(const Request& request) {
    return std::stoll(request.identity().user_id);
}

void show_setup(ctemplate::TemplateDictionary& page, const Request& request,
                const std::string& secret) {
    ctemplate::TemplateDictionary* setup = page.AddSectionDictionary("SETUP");
    QrSvg qr = qr_svg(otpauth_uri(request.identity().username, secret));
    setup->SetIntValue("QR_SIZE", int(qr.size));
    setup->SetValue("QR_PATH", qr.path);
    setup->SetValue("SECRET", base32_secret(secret));
    setup->SetValue("CSRF_TOKEN", request.identity().csrf_token);
}

void show_codes(ctemplate::TemplateDictionary& page, const std::vector<std::string>& codes) {
    ctemplate::TemplateDictionary* list = page.AddSectionDictionary("NEW_CODES");
    std::string all;
    for (const std::string& code : codes) {
        list->AddSectionDictionary("CODE")->SetValue("VALUE", code);
        all += (all.empty() ? "" : " ") + code;
    }
    list->SetValue("ALL_CODES", all);
}

// The codes just shown, sent back by the page's download button, as a text file. Only the
// user's own unused codes are echoed, so the button cannot be made to serve other text.
Response download_codes(const Request& request, Site& app) {
    const Form& form = request.form();
    std::vector<std::string> codes;
    std::istringstream words(form.value("codes"));
    for (std::string code; words >> code;)
        codes.push_back(code);
    if (!form.valid() || !app.two_factor().all_unused_recovery_codes(user_id_of(request), codes))
        return app.error_page(request, 400,
                              "Those recovery codes cannot be downloaded any more. Make new ones "
                              "on the two-factor page.");
    std::string file = "Microblog recovery codes for " + request.identity().username +
                       "\nEach signs you in once, in place of a code from your app.\n\n";
    for (const std::string& code : codes)
        file += code + "\n";
    return Response::download("microblog-recovery-codes.txt", file);
}

// The page for the account's present state; `codes` are shown when just made, `form` carries
// a code field's error.
Response show_page(const Request& request, Site& app, const Form* form = nullptr,
                   const std::vector<std::string>& codes = {}) {
    Page page = app.page();
    TwoFactorState state = app.two_factor().state(user_id_of(request));
    ctemplate::TemplateDictionary& content = page.content();
    content.SetValue("CSRF_TOKEN", request.identity().csrf_token);
    if (!codes.empty())
        show_codes(content, codes);
    if (state.enabled) {
        content.AddSectionDictionary("ON")->SetIntValue("CODES_LEFT",
                                                        int(state.recovery_codes_left));
    } else if (state.pending_secret) {
        show_setup(content, request, *state.pending_secret);
    } else {
        content.ShowSection("OFF");
    }
    // With new codes on the page, the focus stays at its top, on them, not on a form below.
    if (codes.empty())
        show_form_state(content, form, {}, {"code"});
    return app.render(request, 200, page);
}

Response the_page(const Request& request, Site& app) {
    return show_page(request, app);
}

Response did_not_say(const Request& request, Site& app) {
    return app.error_page(request, 400,
                          "That request did not say what to change. Please use the buttons on "
                          "the two-factor page.");
}

Response begin_setup(const Request& request, Site& app) {
    if (app.two_factor().state(user_id_of(request)).enabled)
        return did_not_say(request, app);
    app.two_factor().begin_setup(user_id_of(request));
    log_account_event("two-factor setup started", request.identity().username,
                      request.param("REMOTE_ADDR"));
    return Response::redirect("/account/two-factor");
}

Response enable(const Request& request, Site& app) {
    Form form = request.form();
    form.require("code");
    std::vector<std::string> codes;
    if (form.valid()) {
        app.db().transaction([&] {
            codes = app.two_factor().enable(user_id_of(request), form.value("code"), time(nullptr));
        });
    }
    const std::string& user = request.identity().username;
    if (codes.empty()) {
        form.add_error("code", kInvalidCode);
        log_account_event("two-factor enable failed", user, request.param("REMOTE_ADDR"));
        return show_page(request, app, &form);
    }
    log_account_event("two-factor enabled", user, request.param("REMOTE_ADDR"));
    return show_page(request, app, nullptr, codes);
}

Response disable(const Request& request, Site& app) {
    Form form = request.form();
    form.require("code");
    const std::string& user = request.identity().username;
    const std::string address = request.param("REMOTE_ADDR");
    bool accepted = false;
    if (form.valid() && !app.throttle().locked(user)) {
        accepted =
            app.two_factor().check_code_or_recovery_code(user_id_of(request), form.value("code"),
                                                         time(nullptr)) == CodeCheck::kAccepted;
        if (!accepted)
            app.throttle().record_failure(user);
    }
    if (!accepted) {
        form.add_error("code", kInvalidCode);
        log_account_event("two-factor disable failed", user, address);
        return show_page(request, app, &form);
    }
    app.db().transaction([&] { app.two_factor().disable(user_id_of(request)); });
    log_account_event("two-factor disabled", user, address);
    return app.redirect_with_flash("/account/two-factor", "Two-factor sign-in is now off.");
}

Response new_codes(const Request& request, Site& app) {
    if (!app.two_factor().state(user_id_of(request)).enabled)
        return did_not_say(request, app);
    std::vector<std::string> codes;
    app.db().transaction([&] { codes = app.two_factor().new_recovery_codes(user_id_of(request)); });
    log_account_event("recovery codes replaced", request.identity().username,
                      request.param("REMOTE_ADDR"));
    return show_page(request, app, nullptr, codes);
}

Response expired_form(const Request& request, Site& app) {
    return app.error_page(request, 400,
                          "This form has expired, so nothing was changed. Please open the "
                          "two-factor page again.");
}

}  // namespace

int main(int argc, char** argv) {
    return serve<Site>(
        argc, argv,
        {
            .name = "account_two_factor",
            .paths = {"/account/two-factor"},
            .methods = {"GET", "HEAD", "POST"},
            .audience = Audience::kSignedIn,
            .confirmation = Confirmation::kRecent,
            .rate_limit = "microblog_login",
            .page = {"Two-Factor Settings", "account_two_factor.tpl"},
            .actions = {{.name = "setup", .handle = begin_setup},
                        {.name = "enable", .fields = {kCodeField}, .handle = enable},
                        {.name = "disable", .fields = {kCodeField}, .handle = disable},
                        {.name = "download", .fields = {{"codes", 256}}, .handle = download_codes},
                        {.name = "new_codes", .handle = new_codes}},
            .handle = the_page,
            .expired_form = expired_form,
            .unknown_action = did_not_say,
        });
}
