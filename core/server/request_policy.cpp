#include "core/server/request_policy.h"

#include <algorithm>
#include <optional>
#include <string>

#include "core/db/database.h"
#include "core/http/encoding.h"
#include "core/http/http_error.h"
#include "core/http/next_url.h"
#include "core/server/log.h"

namespace microblog {
namespace {

bool allowed_method(const Route& route, const std::string& method) {
    return route.methods.empty() ||
           std::find(route.methods.begin(), route.methods.end(), method) != route.methods.end();
}

// Whether a POST comes from a page of another site, as the browser says in Sec-Fetch-Site or
// Origin. Checked beside the CSRF token, so that a leaked token alone is not enough. Clients that
// send neither (older browsers, scripts) are judged by the token alone, and so is `Origin: null`
// from a page the route serves without a referrer (ReferrerPolicy in route.h).
bool sent_from_another_site(const Request& request, bool https, ReferrerPolicy referrer_policy) {
    std::string fetch_site = request.param("HTTP_SEC_FETCH_SITE");
    // "same-site" is a sibling host, which on shared hosting may be anyone's.
    if (!fetch_site.empty() && fetch_site != "same-origin" && fetch_site != "none")
        return true;
    std::string origin = request.param("HTTP_ORIGIN");
    if (origin.empty() || (origin == "null" && referrer_policy == ReferrerPolicy::kNoReferrer))
        return false;
    return origin != (https ? "https://" : "http://") + request.param("HTTP_HOST");
}

// The login view, coming back to this page afterwards, as nginx's @login sends a visitor
// (nginx/microblog.conf) when a location lacks nginx/protected-page.conf.
std::string login_url(const Request& request) {
    return with_next("/login", request.param("REQUEST_URI"));
}

// The password confirmation page, coming back to this page afterwards. A POST comes back to the
// page's form (its path without the query), so that an action is never taken without being
// asked for again.
std::string confirmation_url(const Request& request) {
    return with_next("/confirm",
                     request.param(request.method() == "POST" ? "DOCUMENT_URI" : "REQUEST_URI"));
}

const FieldRule kCsrfTokenField{"csrf_token", 64};
const FieldRule kActionField{"action", 32};

// What answers a request: the route's handlers, or a POST's action's.
struct Handlers {
    const Handler* handle = nullptr;  // null for a POST naming no action of the route
    const Handler* expired_form = nullptr;
};

// Reads the fields the route (and the POST's action) declares into request.form(), and picks
// the handlers.
Handlers read_declared_fields(const Route& route, Request& request) {
    std::vector<FieldRule> rules = route.fields;
    if (request.method() == "POST")
        rules.push_back(kCsrfTokenField);
    if (route.actions.empty() || request.method() != "POST") {
        request.read_form(rules);
        return {route.handle ? &route.handle : nullptr, &route.expired_form};
    }
    rules.push_back(kActionField);
    request.read_form(rules);
    // A copy: reading the action's fields replaces the form.
    const std::string name = request.form().value(kActionField.name);
    for (const Action& action : route.actions) {
        if (action.name != name)
            continue;
        if (!action.fields.empty()) {
            rules.insert(rules.end(), action.fields.begin(), action.fields.end());
            request.read_form(rules);
        }
        return {&action.handle.handler(),
                action.expired_form ? &action.expired_form.handler() : &route.expired_form};
    }
    return {nullptr, &route.expired_form};
}

// The route's declared preconditions, checked in order; a response when one is not met.
std::optional<Response> refuse(const Route& route, const Handlers& handlers, App& app,
                               const Request& request) {
    bool signed_in = request.identity().signed_in();
    const bool behind_nginx_check = request.param("MICROBLOG_SIGN_IN") == "required";
    if (!signed_in && (route.audience == Audience::kSignedIn || behind_nginx_check)) {
        // nginx turns a 401 into its redirect to the login view (nginx/protected-page.conf);
        // a location without that include gets the same redirect from here.
        if (behind_nginx_check)
            return app.error_page(request, 401, "Please log in to access this page.");
        return app.redirect_with_flash(login_url(request), "Please log in to access this page.");
    }
    if (!allowed_method(route, request.method())) {
        Response response = app.error_page(request, 405, "This page does not accept that method.");
        response.set_header("Allow", join(route.methods, ", "));
        return response;
    }
    if (signed_in && route.audience == Audience::kVisitors)
        return Response::redirect("/index");
    if (!signed_in && route.audience == Audience::kSession)
        return Response::redirect("/index");
    if (request.method() == "POST" &&
        sent_from_another_site(request, app.config().https, route.referrer_policy))
        return app.error_page(request, 403, "This form was sent from another site.");
    if (route.csrf == Csrf::kRequiredOnPost && request.method() == "POST" &&
        !app.csrf_token_valid(request, request.form().value(kCsrfTokenField.name))) {
        if (*handlers.expired_form)
            return (*handlers.expired_form)(request, app);
        return app.error_page(request, 400,
                              "This form has expired. Please reload the page and try again.");
    }
    if (route.confirmation == Confirmation::kRecent && signed_in &&
        !app.confirmed_recently(request))
        return Response::redirect(confirmation_url(request));
    if (!handlers.handle) {
        if (route.unknown_action)
            return route.unknown_action(request, app);
        return app.error_page(request, 400,
                              "That request did not say what to do. Please use the buttons on "
                              "the page.");
    }
    return std::nullopt;
}

// A session cookie signed with a previous key is signed again with the current one, unless the
// route set or cleared that cookie itself (signing out).
void renew_session_cookie(App& app, const Request& request, Response& response) {
    const std::string& renewed = request.identity().renewed_cookie;
    if (renewed.empty())
        return;
    const std::string prefix = app.cookies().name(kSessionCookie) + "=";
    for (const std::string& cookie : response.headers("Set-Cookie")) {
        if (cookie.compare(0, prefix.size(), prefix) == 0)
            return;
    }
    response.set_header("Set-Cookie", renewed);
}

// On a page that requires sign-in, a 401 (no live session, or one that ended during the
// request) becomes nginx's redirect to the login view (nginx/protected-page.conf).
Response to_sign_in_if_refused(const Request& request, Response response) {
    if (response.status() == 401 && request.param("MICROBLOG_SIGN_IN") == "required")
        return Response::to_nginx(401, "@login");
    return response;
}

// The route's preconditions, then its handler; every failure turned into a page.
Response handle_request_as_declared(const Route& route, App& app, Request& request) {
    try {
        app.identify(request);
        Handlers handlers = read_declared_fields(route, request);
        if (std::optional<Response> refusal = refuse(route, handlers, app, request))
            return *refusal;
        Response response = (*handlers.handle)(request, app);
        renew_session_cookie(app, request, response);
        return response;
    } catch (const HttpError& e) {
        return app.error_page(request, e.status(), e.what());
    } catch (const DatabaseUnavailable& e) {
        if (!e.already_logged())
            log_line(e.what());
        return app.error_page(request, 503,
                              "The site is having trouble right now. Please try again shortly.");
    } catch (const std::exception& e) {
        log_line(std::string("error: ") + e.what());
        return app.error_page(request, 500, "Something went wrong on our side. Please try again.");
    }
}

}  // namespace

Response handle_request(const Route& route, App& app, Request& request) {
    return to_sign_in_if_refused(request, handle_request_as_declared(route, app, request));
}

}  // namespace microblog
