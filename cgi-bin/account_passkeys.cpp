// /account/passkeys: the signed-in user's passkeys, adding one on this device and removing any.
// Sudo mode: it opens only after a recent password confirmation. Adding is two POSTs from
// static/passkeys.js: action=options (a single-use challenge for this browser and user) and
// action=register (the browser's answer, checked as WebAuthn requires; attestation "none", so
// the public key comes as SPKI from getPublicKey()). Removing is a plain form.
#include <nlohmann/json.hpp>

#include "core/accounts/events.h"
#include "core/http/encoding.h"
#include "core/http/form.h"
#include "core/passkeys/passkey_ceremony.h"
#include "core/passkeys/webauthn.h"
#include "core/server/server.h"

using namespace microblog;

namespace {

using Site = AppWith<kNeedsPasskeys>;

constexpr size_t kMaxNameLength = 64;
// The passkeys table's columns (sql/009_passkeys.sql).
constexpr size_t kMaxCredentialIdBytes = 1023;
constexpr size_t kMaxPublicKeyBytes = 2048;

long long user_id_of(const Request& request) {
    return std::stoll(request.identity().user_id);
}

Response show_page(const Request& request, Site& app) {
    Page page = app.page();
    ctemplate::TemplateDictionary& content = page.content();
    content.SetValue("CSRF_TOKEN", request.identity().csrf_token);
    if (app.config().webauthn_rp_id.empty()) {
        content.ShowSection("PASSKEYS_OFF");
        return app.render(request, 200, page);
    }
    content.SetValueAndShowSection("WEBAUTHN_ORIGIN", app.config().webauthn_origin, "PASSKEYS_ON");
    std::vector<PasskeySummary> passkeys = app.passkeys().list(user_id_of(request));
    for (const PasskeySummary& passkey : passkeys) {
        ctemplate::TemplateDictionary* row = content.AddSectionDictionary("PASSKEY");
        row->SetIntValue("ID", int(passkey.id));
        row->SetValue("NAME", passkey.name);
        row->SetValue("CREATED_AT", passkey.created_at);
        row->SetValue("LAST_USED_AT",
                      passkey.last_used_at.empty() ? "never" : passkey.last_used_at + " UTC");
    }
    if (passkeys.empty())
        content.ShowSection("NO_PASSKEYS");
    return app.render(request, 200, page);
}

Response options(const Request& request, Site& app) {
    if (std::optional<Response> off = passkeys_off(app))
        return *off;
    const long long user_id = user_id_of(request);
    IssuedChallenge issued = app.passkeys().issue_challenge("create", user_id);
    nlohmann::json exclude = nlohmann::json::array();
    for (const std::string& id : app.passkeys().credential_ids(user_id))
        exclude.push_back(base64url_encode(id));
    Response response =
        Response::json(200, nlohmann::json{{"challenge", base64url_encode(issued.challenge)},
                                           {"rpId", app.config().webauthn_rp_id},
                                           {"userId", base64url_encode(std::to_string(user_id))},
                                           {"userName", request.identity().username},
                                           {"exclude", exclude}}
                                .dump());
    response.set_header("Set-Cookie", issued.cookie);
    return response;
}

// The reason the browser's answer cannot be registered, or "" when it can.
std::string registration_problem(const Request& request, Site& app, const Form& form) {
    std::optional<std::string> challenge = app.passkeys().take_challenge(
        request.cookies(app.cookies().name(kWebAuthnCookie)), "create", user_id_of(request));
    if (!challenge)
        return "no unused challenge";
    std::optional<std::string> credential_id = decoded_field(form, "credential_id");
    std::optional<std::string> client_data = decoded_field(form, "client_data");
    std::optional<std::string> raw_data = decoded_field(form, "authenticator_data");
    std::optional<std::string> public_key = decoded_field(form, "public_key");
    const std::string& algorithm = form.value("algorithm");
    if (!credential_id || !client_data || !raw_data || !public_key ||
        (algorithm != "-7" && algorithm != "-257"))
        return "malformed fields";
    if (credential_id->size() > kMaxCredentialIdBytes || public_key->size() > kMaxPublicKeyBytes)
        return "a credential id or key longer than the site stores";
    std::optional<AuthenticatorData> data = parse_authenticator_data(*raw_data);
    if (!data || data->credential_id != *credential_id)
        return "authenticator data without this credential";
    const Config& config = app.config();
    std::string problem = ceremony_problem(
        *client_data, *data,
        Expected{"webauthn.create", *challenge, config.webauthn_origin, config.webauthn_rp_id});
    if (!problem.empty())
        return problem;
    if (!public_key_usable(*public_key, std::stol(algorithm)))
        return "a public key that is not " + algorithm;
    if (!app.passkeys().add(user_id_of(request), *credential_id, *public_key, std::stol(algorithm),
                            data->sign_count, form.value("name")))
        return "a credential registered already";
    return "";
}

Response register_passkey(const Request& request, Site& app) {
    if (std::optional<Response> off = passkeys_off(app))
        return *off;
    Form form = request.form();
    form.require("name");
    if (!form.valid())
        return passkey_error(400, "Please give the passkey a name of at most 64 characters.");
    const std::string& user = request.identity().username;
    std::string problem = registration_problem(request, app, form);
    if (!problem.empty()) {
        log_account_event("passkey refused (" + problem + ")", user, request.param("REMOTE_ADDR"));
        return passkey_error(400, "That passkey could not be added. Please try again.");
    }
    log_account_event("passkey added", user, request.param("REMOTE_ADDR"));
    Response response =
        Response::json(200, nlohmann::json{{"redirect", "/account/passkeys"}}.dump());
    for (const std::string& cookie :
         app.redirect_with_flash("/account/passkeys", "Your passkey has been added.")
             .headers("Set-Cookie"))
        response.set_header("Set-Cookie", cookie);
    response.set_header("Set-Cookie", app.cookies().clear(kWebAuthnCookie));
    return response;
}

Response remove_passkey(const Request& request, Site& app) {
    const Form& form = request.form();
    const std::string& id = form.value("passkey");
    bool removed = form.valid() && !id.empty() && id.size() < 19 &&
                   id.find_first_not_of("0123456789") == std::string::npos &&
                   app.passkeys().remove(user_id_of(request), std::stoll(id));
    if (!removed)
        return app.redirect_with_flash("/account/passkeys",
                                       "That passkey was not found, so nothing was removed.");
    log_account_event("passkey removed", request.identity().username, request.param("REMOTE_ADDR"));
    return app.redirect_with_flash("/account/passkeys", "The passkey has been removed.");
}

Response unknown_action(const Request& request, Site& app) {
    if (std::optional<Response> off = passkeys_off(app))
        return *off;
    return app.error_page(request, 400, "That request did not say what to change.");
}

// For the page's script: an answer it can show.
Response expired_script_request(const Request&, Site&) {
    return passkey_error(400, "This page has expired. Please reload it and try again.");
}

Response expired_form(const Request& request, Site& app) {
    return app.error_page(request, 400,
                          "This form has expired, so nothing was changed. Please open the "
                          "passkeys page again.");
}

}  // namespace

int main(int argc, char** argv) {
    return serve<Site>(
        argc, argv,
        {
            .name = "account_passkeys",
            .paths = {"/account/passkeys"},
            .methods = {"GET", "HEAD", "POST"},
            .audience = Audience::kSignedIn,
            .confirmation = Confirmation::kRecent,
            .page = {"Passkeys", "account_passkeys.tpl"},
            .actions = {{.name = "remove", .fields = {{"passkey", 20}}, .handle = remove_passkey},
                        {.name = "options",
                         .handle = options,
                         .expired_form = expired_script_request},
                        {.name = "register",
                         .fields = {{"name", kMaxNameLength},
                                    {"credential_id", 1400},
                                    {"client_data", 4096},
                                    {"authenticator_data", 4096},
                                    {"public_key", 2800},
                                    {"algorithm", 8}},
                         .handle = register_passkey,
                         .expired_form = expired_script_request}},
            .handle = show_page,
            .expired_form = expired_form,
            .unknown_action = unknown_action,
        });
}
