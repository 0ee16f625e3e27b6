// A page's row of the route table: who it is for, what it accepts, what it needs and its
// handlers (docs/adding-a-page.md).
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

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

using Handler = std::function<Response(const Request&, App&)>;

// A route's whole description, one row of the site's route table, written with designated
// initializers in this order. core/server/request_policy.cpp checks the audience, the method, the
// CSRF token and sudo mode before `handle` runs, so no route can forget one of them; `--describe`
// prints the row for the test that holds nginx/microblog.conf to it (tests/nginx).
struct Route {
    std::string name;                  // the program: its socket, unit and log lines
    std::vector<std::string> paths;    // the URL paths nginx sends to it, one location each
    std::vector<std::string> methods;  // others get 405
    Audience audience;
    Csrf csrf = Csrf::kRequiredOnPost;
    Confirmation confirmation = Confirmation::kNotNeeded;
    std::string rate_limit = {};              // the nginx limit_req zone of its locations, if any
    std::vector<std::string> templates = {};  // content templates it renders, loaded at start
    unsigned needs = kNeedsNothing;           // Needs (app.h), or-ed
    // A read the page needs on every request, made in the same database round trip as the
    // session lookup (see CompanionRead in sessions.h).
    CompanionRead companion = {};
    Handler handle;
    // Answers a POST whose CSRF token is missing or stale (the form shown again with what was
    // typed, say); when empty, an error page with status 400.
    Handler expired_form = nullptr;
};

// Forms on this site are a few short fields; nginx refuses more (client_max_body_size).
inline constexpr size_t kMaxBodyBytes = 16 * 1024;

// `items` with `separator` between them (the Allow header, --describe).
std::string join(const std::vector<std::string>& items, const char* separator);

// The row as `key values...` lines, for the test that checks nginx/microblog.conf against it.
void describe_route(const Route& route, std::ostream& out);

}  // namespace microblog
