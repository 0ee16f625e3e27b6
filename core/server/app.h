// Everything a route handler uses, built once per worker process: configuration, the database
// connection and its statements, the stores, password hashing and page rendering. Also the few
// steps every page shares: rendering with flashes, redirecting, and CSRF tokens.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/accounts/account_rules.h"
#include "core/accounts/account_sessions.h"
#include "core/accounts/password.h"
#include "core/accounts/password_resets.h"
#include "core/accounts/sessions.h"
#include "core/accounts/throttle.h"
#include "core/accounts/users.h"
#include "core/crypto/signed_value.h"
#include "core/db/database.h"
#include "core/http/cookies.h"
#include "core/http/request.h"
#include "core/http/response.h"
#include "core/mail/outbox.h"
#include "core/pages/page.h"
#include "core/passkeys/passkeys.h"
#include "core/server/config.h"
#include "core/two_factor/pending_sign_ins.h"
#include "core/two_factor/two_factor.h"

namespace microblog {

// Parts of the core a route uses beyond sessions and pages, set up once when its program starts
// (statements prepared with the connection's others), so a missing part stops the program instead
// of failing a request. A route names them in the App its handlers take: AppWith<parts>.
enum Needs : unsigned {
    kNeedsNothing = 0,
    kNeedsLoginThrottle = 1u << 0,    // throttle() (migration 005)
    kNeedsPasswordPolicy = 1u << 1,   // password_policy() and its word list, loaded at start
    kNeedsAccountSessions = 1u << 2,  // account_sessions() (migration 007)
    kNeedsTwoFactor = 1u << 3,        // two_factor(), pending_sign_ins() (migration 008)
    kNeedsPasskeys = 1u << 4,         // passkeys() (migration 009)
    kNeedsPasswordResets = 1u << 5,   // password_resets() (migration 010)
    // outbox() (migration 010) and render_mail(): the mail templates are loaded at start, and
    // the program refuses to start without site_url, the origin of the links mails carry.
    kNeedsOutbox = 1u << 6,
};

struct PageSpec;

class App {
  public:
    // `renderer` is loaded once before the workers fork, and shared by them. `companion` is the
    // route's read that rides along with every session lookup (SessionStore), if any. `parts`
    // (Needs, or-ed) says which optional parts to set up; `page` is what page() makes.
    App(Config config, const Renderer& renderer, const CompanionRead& companion = {},
        unsigned parts = kNeedsNothing, const PageSpec* page = nullptr);
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    const Config& config() const { return config_; }
    const Signer& signer() const { return signer_; }
    const CookiePolicy& cookies() const { return cookies_; }
    Database& db() { return db_; }
    UserStore& users() { return users_; }
    SessionStore& sessions() { return sessions_; }
    const PasswordHasher& passwords() const { return passwords_; }

    // Who sent the request (the user of the live session its cookie names, or a visitor), with
    // the rows of the companion read for a user. Asks the database only when there is a session
    // cookie whose signature verifies.
    void identify(Request& request);

    // The route's page (its title and content template), to fill and render.
    Page page() const;
    // Whether this session entered its password within reauth_minutes (sudo mode). Set up for
    // every route that asks for it (Confirmation::kRecent).
    bool confirmed_recently(const Request& request);

    // The page in the layout, showing (and so using up) the visitor's flashes.
    Response render(const Request& request, int status, Page& page);
    Response error_page(const Request& request, int status, const std::string& message);
    // A page holding a POST form: its CSRF_TOKEN, and FORM_ERROR with MESSAGE when
    // `form_error` is not empty (an error about the whole form, such as an expired token).
    Response render_form(const Request& request, int status, Page& page,
                         const std::string& form_error);
    // A redirect that shows `flash` on the next page.
    Response redirect_with_flash(const std::string& location, const std::string& flash);
    // A mail's plain-text body from its template under templates/email/ (kNeedsOutbox).
    std::string render_mail(const std::string& name, const ctemplate::TemplateDictionary& values);

    // The CSRF token a form on this page must carry. For a visitor without a pre-session
    // cookie, a new one is made and added to the page's cookies.
    std::string form_csrf_token(const Request& request, Page& page);
    bool csrf_token_valid(const Request& request, const std::string& submitted);

  private:
    Config config_;
    Signer signer_;
    CookiePolicy cookies_;
    Database db_;
    UserStore users_;
    SessionStore sessions_;
    PasswordHasher passwords_;
    const Renderer& renderer_;
    std::string page_title_;
    std::string page_template_;

  protected:
    // Declared after the connection they use, so they go before it.
    std::optional<LoginThrottle> throttle_;
    std::optional<AccountSessions> account_sessions_;
    std::optional<TwoFactorStore> two_factor_;
    std::optional<PendingSignIns> pending_sign_ins_;
    std::optional<PasskeyStore> passkeys_;
    std::optional<PasswordResets> password_resets_;
    std::optional<Outbox> outbox_;
};

// The App of a route whose handlers use the stores `kParts` names (Needs, or-ed). Each store's
// accessor exists only when its part is named, so using one the route did not ask for is a
// compile error; the program makes exactly these (server.h).
template <unsigned kParts>
class AppWith : public App {
  public:
    static constexpr unsigned kPartsNamed = kParts;

    AppWith(Config config, const Renderer& renderer, const CompanionRead& companion,
            unsigned implied, const PageSpec* page)
        : App(std::move(config), renderer, companion, kParts | implied, page) {}

    LoginThrottle& throttle() requires((kParts & kNeedsLoginThrottle) != 0) { return *throttle_; }
    AccountSessions& account_sessions() requires((kParts & kNeedsAccountSessions) != 0) {
        return *account_sessions_;
    }
    TwoFactorStore& two_factor() requires((kParts & kNeedsTwoFactor) != 0) { return *two_factor_; }
    PendingSignIns& pending_sign_ins() requires((kParts & kNeedsTwoFactor) != 0) {
        return *pending_sign_ins_;
    }
    PasskeyStore& passkeys() requires((kParts & kNeedsPasskeys) != 0) { return *passkeys_; }
    PasswordResets& password_resets() requires((kParts & kNeedsPasswordResets) != 0) {
        return *password_resets_;
    }
    Outbox& outbox() requires((kParts & kNeedsOutbox) != 0) { return *outbox_; }
    const PasswordPolicy& password_policy() const requires((kParts & kNeedsPasswordPolicy) != 0) {
        return microblog::password_policy();
    }
};

}  // namespace microblog
