// A page's row of the route table: who it is for, what it accepts, what it needs and its
// handlers (docs/adding-a-page.md).
#pragma once

#include <functional>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/http/form.h"
#include "core/http/request.h"
#include "core/http/response.h"
#include "core/server/app.h"

namespace microblog {

// Who a route is for, enforced by the program itself. nginx answers a visitor without a
// session cookie on a page's location before any program wakes (nginx/protected-page.conf, the
// fast path); either one alone keeps a visitor out.
enum class Audience {
    kAnyone,
    kVisitors,  // signing in or up: a signed-in user is sent to the home page instead
    kSignedIn,  // a signed-in user's page: a visitor is sent to the login view with `next`
    kSession,   // an action on the visitor's own session (signing out): a visitor is sent home
};

// Whether a POST must carry the CSRF token of this browser's form (field csrf_token).
enum class Csrf { kRequiredOnPost, kNotNeeded };

// Whether a route is a sensitive account page ("sudo mode"): one that opens only when this
// session entered the password within reauth_minutes. Otherwise the user is sent to
// /confirm?next=<this page> and comes back after confirming.
enum class Confirmation { kNotNeeded, kRecent };

// The Referrer-Policy nginx sends with a route's pages (the map in nginx/microblog.conf, held to
// the rows by tests/nginx). kNoReferrer for a page whose URL is a secret (a reset link), so no
// request from it names the URL. Browsers then send `Origin: null` with its own forms, which
// the policy takes as no Origin at all: the CSRF token and Sec-Fetch-Site still decide.
enum class ReferrerPolicy { kSameOrigin, kNoReferrer };

template <class Site>
using BasicHandler = std::function<Response(const Request&, Site&)>;
using Handler = BasicHandler<App>;

// One object per App type, to tell them apart when a program starts.
template <class Site>
const void* site_tag() {
    static const char tag = 0;
    return &tag;
}

// An action's handler: a function taking its route's App type. (Actions are not templates on
// that type: GCC 12 fails on such nested initializers.) as_app_route checks the type.
class ActionHandler {
  public:
    ActionHandler() = default;
    template <class Site>
    ActionHandler(Response (*function)(const Request&, Site&))  // NOLINT: converts by design
        : handler_([function](const Request& request, App& app) {
              return function(request, static_cast<Site&>(app));
          }),
          site_(site_tag<Site>()) {}

    explicit operator bool() const { return bool(handler_); }
    const Handler& handler() const { return handler_; }
    const void* site() const { return site_; }

  private:
    Handler handler_;
    const void* site_ = nullptr;
};

// A POST on a page with several buttons names what it does in its `action` field; each action
// declares the fields it reads beyond the page's own.
struct Action {
    std::string name;                    // the value of the `action` field
    std::vector<FieldRule> fields = {};  // what it reads beyond the route's fields
    ActionHandler handle;
    // Answers it when its CSRF token is missing or stale; when empty, the route's.
    ActionHandler expired_form = {};
};

// What a page shows: the title in the layout, and its content template (templates/), loaded
// when the program starts.
struct PageSpec {
    std::string title;
    std::string content_template;
};

// A route's whole description, one row of the site's route table, written with designated
// initializers in this order. core/server/request_policy.cpp checks the audience, the method, the
// CSRF token and sudo mode, reads the declared fields and picks the action before a handler
// runs, so no route can forget one of them; `--describe` prints the row for the tests that hold
// nginx/microblog.conf and deploy/lib/routes.sh to it (tests/nginx).
//
// `Site` is the App its handlers take: AppWith<parts> (app.h) for a route that uses stores beyond
// sessions, so a handler using a store its route did not name does not compile.
template <class Site>
struct BasicRoute {
    std::string name;                  // the program: its socket, unit and log lines
    std::vector<std::string> paths;    // the URL paths nginx sends to it, one location each
    std::vector<std::string> methods;  // others get 405
    Audience audience;
    Csrf csrf = Csrf::kRequiredOnPost;
    Confirmation confirmation = Confirmation::kNotNeeded;
    std::string rate_limit = {};  // the nginx limit_req zone of its locations, if any
    ReferrerPolicy referrer_policy = ReferrerPolicy::kSameOrigin;
    PageSpec page = {};  // App::page() makes it; none for a page that only redirects
    // The query and form fields the handlers read (request.form()), on every method; an action's
    // own come on top. The CSRF token and `action` are the policy's.
    std::vector<FieldRule> fields = {};
    // For a page whose POSTs say what they do in `action`; `handle` then answers the other
    // methods, and `unknown_action` a POST naming none of them.
    std::vector<Action> actions = {};
    // A read the page needs on every request, made in the same database round trip as the
    // session lookup (see CompanionRead in sessions.h).
    CompanionRead companion = {};
    // Empty only for a route whose every request names one of its actions.
    BasicHandler<Site> handle = {};
    // Answers a POST whose CSRF token is missing or stale (the form shown again with what was
    // typed, say); when empty, an error page with status 400.
    BasicHandler<Site> expired_form = {};
    // Answers a POST whose `action` is none of `actions`; when empty, an error page with status
    // 400.
    BasicHandler<Site> unknown_action = {};
};

// The row as the core runs it, with handlers that take the App.
using Route = BasicRoute<App>;

// The row of a route whose handlers take `Site`, for the core: each handler is handed the
// program's App, which the program made as a `Site` (server.h). Throws std::logic_error, so the
// program does not start, when an action's handler takes another App type than the route's.
template <class Site>
Route as_app_route(const BasicRoute<Site>& row) {
    auto erase = [](const BasicHandler<Site>& handler) -> Handler {
        if (!handler)
            return nullptr;
        return [handler](const Request& request, App& app) {
            return handler(request, static_cast<Site&>(app));
        };
    };
    Route route{.name = row.name,
                .paths = row.paths,
                .methods = row.methods,
                .audience = row.audience,
                .csrf = row.csrf,
                .confirmation = row.confirmation,
                .rate_limit = row.rate_limit,
                .referrer_policy = row.referrer_policy,
                .page = row.page,
                .fields = row.fields,
                .actions = row.actions,
                .companion = row.companion,
                .handle = erase(row.handle),
                .expired_form = erase(row.expired_form),
                .unknown_action = erase(row.unknown_action)};
    for (const Action& action : route.actions) {
        for (const ActionHandler* handler : {&action.handle, &action.expired_form}) {
            if (*handler && handler->site() != site_tag<Site>())
                throw std::logic_error("the handler of action " + action.name + " of " + row.name +
                                       " takes another App than its route");
        }
    }
    return route;
}

// Forms on this site are a few short fields; nginx refuses more (client_max_body_size).
inline constexpr size_t kMaxBodyBytes = 16 * 1024;

// `items` with `separator` between them (the Allow header, --describe).
std::string join(const std::vector<std::string>& items, const char* separator);

// The row as `key values...` lines, for the tests that check nginx/microblog.conf and
// deploy/lib/routes.sh against it; `parts` are the route's AppWith parts (app.h).
void describe_route(const Route& route, unsigned parts, std::ostream& out);

}  // namespace microblog
