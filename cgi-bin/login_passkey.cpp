// /login/passkey: signing in with a passkey, for static/passkeys.js on the login page. POST
// action=options issues a single-use challenge bound to this browser; POST action=verify checks
// the browser's assertion as WebAuthn requires (type, challenge, origin, rpIdHash, user present,
// signature with the stored key, counter) and signs the passkey's owner in as a password does:
// a new session, Remember Me as ticked, back to a safe `next`. A passkey is a second factor in
// itself, so no two-factor code is asked.
#include <nlohmann/json.hpp>

#include "core/accounts/events.h"
#include "core/accounts/sign_in.h"
#include "core/http/encoding.h"
#include "core/http/next_url.h"
#include "core/passkeys/passkey_ceremony.h"
#include "core/passkeys/webauthn.h"
#include "core/server/server.h"

using namespace microblog;

namespace {

using Site = AppWith<kNeedsLoginThrottle | kNeedsPasskeys>;

constexpr const char* kNotAccepted =
    "That passkey could not sign you in. Please try again, or sign in with your password.";

Response options(const Request&, Site& app) {
    if (std::optional<Response> off = passkeys_off(app))
        return *off;
    IssuedChallenge issued = app.passkeys().issue_challenge("get", 0);
    Response response =
        Response::json(200, nlohmann::json{{"challenge", base64url_encode(issued.challenge)},
                                           {"rpId", app.config().webauthn_rp_id}}
                                .dump());
    response.set_header("Set-Cookie", issued.cookie);
    return response;
}

// The passkey the assertion names, when everything about the assertion holds; else nothing,
// with the reason logged.
std::optional<Passkey> verified_passkey(const Request& request, Site& app, const Form& form) {
    const std::string address = request.param("REMOTE_ADDR");
    auto refuse = [&](const std::string& why, const std::string& user = "") {
        log_account_event("login passkey refused (" + why + ")", user, address);
        return std::nullopt;
    };
    std::optional<std::string> challenge = app.passkeys().take_challenge(
        request.cookies(app.cookies().name(kWebAuthnCookie)), "get", 0);
    if (!challenge)
        return refuse("no unused challenge");
    std::optional<std::string> credential_id = decoded_field(form, "credential_id");
    std::optional<std::string> client_data = decoded_field(form, "client_data");
    std::optional<std::string> raw_data = decoded_field(form, "authenticator_data");
    std::optional<std::string> signature = decoded_field(form, "signature");
    if (!form.valid() || !credential_id || !client_data || !raw_data || !signature)
        return refuse("malformed fields");
    std::optional<Passkey> passkey = app.passkeys().find(*credential_id);
    if (!passkey)
        return refuse("unknown credential");
    std::optional<AuthenticatorData> data = parse_authenticator_data(*raw_data);
    if (!data)
        return refuse("malformed authenticator data", passkey->username);
    const Config& config = app.config();
    std::string problem = ceremony_problem(
        *client_data, *data,
        Expected{"webauthn.get", *challenge, config.webauthn_origin, config.webauthn_rp_id});
    if (!problem.empty())
        return refuse(problem, passkey->username);
    if (!signature_valid(passkey->public_key, passkey->algorithm, *raw_data, *client_data,
                         *signature))
        return refuse("bad signature", passkey->username);
    // A discoverable credential names its user; it must be the owner on record.
    if (!form.value("user_handle").empty() &&
        decoded_field(form, "user_handle") != std::to_string(passkey->user_id))
        return refuse("user handle of another user", passkey->username);
    if (!app.passkeys().record_use(*passkey, data->sign_count))
        return refuse("signature counter did not increase", passkey->username);
    return passkey;
}

Response verify(const Request& request, Site& app) {
    if (std::optional<Response> off = passkeys_off(app))
        return *off;
    const Form& form = request.form();
    std::optional<Passkey> passkey = verified_passkey(request, app, form);
    if (!passkey)
        return passkey_error(400, kNotAccepted);
    std::string cookie = start_signed_in_session(app, app.throttle(), request, passkey->user_id,
                                                 passkey->username, form.checked("remember_me"));
    Response response = Response::json(
        200, nlohmann::json{{"redirect", redirect_target(form.value("next"), "/index")}}.dump());
    response.set_header("Set-Cookie", cookie);
    response.set_header("Set-Cookie", app.cookies().clear(kWebAuthnCookie));
    return response;
}

Response unknown_action(const Request&, Site& app) {
    if (std::optional<Response> off = passkeys_off(app))
        return *off;
    return passkey_error(400, "Unknown action.");
}

Response expired_form(const Request&, Site&) {
    return passkey_error(400, "This page has expired. Please reload it and try again.");
}

}  // namespace

int main(int argc, char** argv) {
    return serve<Site>(argc, argv,
                       {
                           .name = "login_passkey",
                           .paths = {"/login/passkey"},
                           .methods = {"POST"},
                           .audience = Audience::kVisitors,
                           .rate_limit = "microblog_login",
                           .fields = {{"remember_me", 16}, kNextField},
                           .actions = {{.name = "options", .handle = options},
                                       {.name = "verify",
                                        .fields = {{"credential_id", 1400},
                                                   {"client_data", 4096},
                                                   {"authenticator_data", 2048},
                                                   {"signature", 1024},
                                                   {"user_handle", 256}},
                                        .handle = verify}},
                           .expired_form = expired_form,
                           .unknown_action = unknown_action,
                       });
}
