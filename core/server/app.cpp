// The shared per-page steps.
#include "core/server/app.h"

#include <stdexcept>

#include "core/crypto/crypto.h"
#include "core/crypto/csrf.h"
#include "core/http/encoding.h"
#include "core/pages/flash.h"
#include "core/server/route.h"

namespace microblog {
namespace {
// A pre-session value is 32 random bytes, base64url-encoded: 43 characters.
constexpr size_t kPreSessionLength = 43;
}  // namespace

App::App(Config config, const Renderer& renderer, const CompanionRead& companion, unsigned parts,
         const PageSpec* page)
    : config_(std::move(config)),
      signer_(config_.secret_key, config_.previous_secret_key),
      cookies_(config_.https),
      db_(config_),
      users_(db_),
      sessions_(db_, signer_, cookies_, config_, companion),
      passwords_(config_.password_cost),
      renderer_(renderer),
      page_title_(page ? page->title : ""),
      page_template_(page ? page->content_template : "") {
    if (parts & kNeedsLoginThrottle)
        throttle_.emplace(db_, config_);
    if (parts & kNeedsAccountSessions)
        account_sessions_.emplace(db_, config_);
    if (parts & kNeedsTwoFactor) {
        two_factor_.emplace(db_, config_);
        pending_sign_ins_.emplace(db_, signer_, cookies_);
    }
    if (parts & kNeedsPasskeys)
        passkeys_.emplace(db_, signer_, cookies_);
    if (parts & kNeedsPasswordResets)
        password_resets_.emplace(db_, config_);
    if (parts & kNeedsOutbox)
        outbox_.emplace(db_, config_);
}

Page App::page() const {
    if (page_template_.empty())
        throw std::logic_error("this route declares no page");
    return Page(page_title_, page_template_);
}

bool App::confirmed_recently(const Request& request) {
    if (!account_sessions_)
        throw std::logic_error("sudo mode without the account sessions");
    return account_sessions_->confirmed_recently(request.identity().session_key);
}

void App::identify(Request& request) {
    std::optional<Resumed> resumed =
        sessions_.resume(request.cookies(cookies_.name(kSessionCookie)));
    if (!resumed)
        return;
    request.set_identity(std::move(resumed->identity));
    request.set_companion_rows(std::move(resumed->companion_rows));
}

Response App::render(const Request& request, int status, Page& page) {
    std::vector<std::string> flash_values = request.cookies(cookies_.name(kFlashCookie));
    std::vector<std::string> notices = request.cookies(cookies_.name(kNoticeCookie));
    std::vector<std::string> flashes = read_flashes(signer_, flash_values);
    if (std::optional<std::string> notice = notice_message(notices))
        flashes.insert(flashes.begin(), *notice);
    Response response = Response::html(status, renderer_.render(page, request.identity(), flashes));
    if (!flash_values.empty())
        response.set_header("Set-Cookie", cookies_.clear(kFlashCookie));
    if (!notices.empty())
        response.set_header("Set-Cookie", cookies_.clear(kNoticeCookie));
    for (const std::string& cookie : page.cookies())
        response.set_header("Set-Cookie", cookie);
    return response;
}

Response App::render_form(const Request& request, int status, Page& page,
                          const std::string& form_error) {
    page.content().SetValue("CSRF_TOKEN", form_csrf_token(request, page));
    if (!form_error.empty()) {
        page.content().SetValueAndShowSection("MESSAGE", form_error, "FORM_ERROR");
    }
    return render(request, status, page);
}

Response App::error_page(const Request& request, int status, const std::string& message) {
    Page page(reason_phrase(status), "error.tpl");
    page.content().SetIntValue("STATUS", status);
    page.content().SetValue("TITLE", reason_phrase(status));
    page.content().SetValue("MESSAGE", message);
    return render(request, status, page);
}

Response App::redirect_with_flash(const std::string& location, const std::string& flash) {
    Response response = Response::redirect(location);
    response.set_header("Set-Cookie", flash_cookie(signer_, cookies_, {flash}));
    return response;
}

std::string App::render_mail(const std::string& name, const ctemplate::TemplateDictionary& values) {
    if (!outbox_)
        throw std::logic_error("mail without the outbox");
    return renderer_.render_text(name, values);
}

std::string App::form_csrf_token(const Request& request, Page& page) {
    const Identity& identity = request.identity();
    if (identity.signed_in())
        return identity.csrf_token;
    for (const std::string& value : request.cookies(cookies_.name(kPreSessionCookie))) {
        if (value.size() == kPreSessionLength)
            return csrf_token_for(signer_, value);
    }
    std::string value = base64url_encode(random_bytes(32));
    page.add_cookie(cookies_.set(kPreSessionCookie, value));
    return csrf_token_for(signer_, value);
}

bool App::csrf_token_valid(const Request& request, const std::string& submitted) {
    const Identity& identity = request.identity();
    if (identity.signed_in()) {
        return csrf_token_matches(signer_, identity.csrf_binding, submitted);
    }
    for (const std::string& value : request.cookies(cookies_.name(kPreSessionCookie))) {
        if (csrf_token_matches(signer_, value, submitted))
            return true;
    }
    return false;
}

}  // namespace microblog
