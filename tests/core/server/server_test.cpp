// Tests for core/server: a route's declared preconditions are enforced before its handler runs.
// None of these requests carries a session cookie, so no database is needed.
#include "core/server/server.h"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>

#include "core/crypto/csrf.h"
#include "core/http/http_error.h"

namespace microblog {
namespace {

const std::string kTemplatesDir = MICROBLOG_TEMPLATES_DIR;
const std::string kPreSession(43, 'p');  // the shape of a visitor's presession cookie value

Config test_config() {
    Config config;
    config.secret_key = std::string(32, 'k');
    config.templates_dir = kTemplatesDir;
    config.password_cost = 1;
    return config;
}

class ServerTest : public ::testing::Test {
  protected:
    // ctemplate's cache is process-global and the Renderer freezes it: one for the program.
    static void SetUpTestSuite() {
        renderer_ = new Renderer(kTemplatesDir, {"login.tpl"});
        app_ = new App(test_config(), *renderer_);
    }
    static void TearDownTestSuite() {
        delete app_;
        delete renderer_;
    }

    Route route(Audience audience, Csrf csrf) {
        return Route{.name = "test",
                     .paths = {"/test"},
                     .methods = {"GET", "POST"},
                     .audience = audience,
                     .csrf = csrf,
                     .handle = [this](const Request&, App&) {
                         ++handled_;
                         return Response::html(200, "handled");
                     }};
    }

    Response send(const Route& route, Request::Params params, const std::string& body = "") {
        params.emplace("CONTENT_TYPE", "application/x-www-form-urlencoded");
        params.emplace("CONTENT_LENGTH", std::to_string(body.size()));
        Request request(std::move(params), body);
        return handle_request(route, *app_, request);
    }

    Response post(const Route& route, const std::string& body) {
        return send(route,
                    {{"REQUEST_METHOD", "POST"}, {"HTTP_COOKIE", "presession=" + kPreSession}},
                    body);
    }

    static std::string valid_token() { return csrf_token_for(app_->signer(), kPreSession); }

    int handled_ = 0;
    static Renderer* renderer_;
    static App* app_;
};

Renderer* ServerTest::renderer_ = nullptr;
App* ServerTest::app_ = nullptr;

TEST_F(ServerTest, PostWithoutTokenIsRefusedWhenTheRouteNeedsOne) {
    Response response = post(route(Audience::kAnyone, Csrf::kRequiredOnPost), "a=1");
    EXPECT_EQ(response.status(), 400);
    EXPECT_EQ(handled_, 0);
}

TEST_F(ServerTest, PostWithWrongTokenIsRefused) {
    Response response =
        post(route(Audience::kAnyone, Csrf::kRequiredOnPost), "csrf_token=" + valid_token() + "x");
    EXPECT_EQ(response.status(), 400);
    EXPECT_EQ(handled_, 0);
}

TEST_F(ServerTest, PostFromAnotherOriginIsRefusedEvenWithTheToken) {
    Route guarded = route(Audience::kAnyone, Csrf::kRequiredOnPost);
    Request::Params cross = {{"REQUEST_METHOD", "POST"},
                             {"HTTP_COOKIE", "presession=" + kPreSession},
                             {"HTTP_HOST", "blog.example.org"},
                             {"HTTP_ORIGIN", "http://evil.example"}};
    EXPECT_EQ(send(guarded, cross, "csrf_token=" + valid_token()).status(), 403);
    cross["HTTP_ORIGIN"] = "null";
    EXPECT_EQ(send(guarded, cross, "csrf_token=" + valid_token()).status(), 403);
    // The same host under another scheme is another origin too.
    cross["HTTP_ORIGIN"] = "https://blog.example.org";
    EXPECT_EQ(send(guarded, cross, "csrf_token=" + valid_token()).status(), 403);
    EXPECT_EQ(handled_, 0);
    cross["HTTP_ORIGIN"] = "http://blog.example.org";
    EXPECT_EQ(send(guarded, cross, "csrf_token=" + valid_token()).status(), 200);
    EXPECT_EQ(handled_, 1);
}

TEST_F(ServerTest, ANullOriginPassesOnlyWhereThePageSendsNoReferrer) {
    // Browsers send Origin: null with the forms of a page served with no-referrer.
    Route secret_url = route(Audience::kAnyone, Csrf::kRequiredOnPost);
    secret_url.referrer_policy = ReferrerPolicy::kNoReferrer;
    Request::Params params = {{"REQUEST_METHOD", "POST"},
                              {"HTTP_COOKIE", "presession=" + kPreSession},
                              {"HTTP_HOST", "blog.example.org"},
                              {"HTTP_ORIGIN", "null"}};
    EXPECT_EQ(send(secret_url, params, "csrf_token=" + valid_token()).status(), 200);
    EXPECT_EQ(send(secret_url, params, "csrf_token=" + valid_token() + "x").status(), 400)
        << "the token still decides";
    params["HTTP_SEC_FETCH_SITE"] = "cross-site";
    EXPECT_EQ(send(secret_url, params, "csrf_token=" + valid_token()).status(), 403);
    params.erase("HTTP_SEC_FETCH_SITE");
    params["HTTP_ORIGIN"] = "http://evil.example";
    EXPECT_EQ(send(secret_url, params, "csrf_token=" + valid_token()).status(), 403);
    EXPECT_EQ(handled_, 1);
}

TEST_F(ServerTest, PostTheBrowserCallsCrossSiteIsRefused) {
    Route guarded = route(Audience::kAnyone, Csrf::kRequiredOnPost);
    for (const char* site : {"cross-site", "same-site"}) {
        Response response = send(guarded,
                                 {{"REQUEST_METHOD", "POST"},
                                  {"HTTP_COOKIE", "presession=" + kPreSession},
                                  {"HTTP_SEC_FETCH_SITE", site}},
                                 "csrf_token=" + valid_token());
        EXPECT_EQ(response.status(), 403) << site;
    }
    for (const char* site : {"same-origin", "none"}) {
        Response response = send(guarded,
                                 {{"REQUEST_METHOD", "POST"},
                                  {"HTTP_COOKIE", "presession=" + kPreSession},
                                  {"HTTP_SEC_FETCH_SITE", site}},
                                 "csrf_token=" + valid_token());
        EXPECT_EQ(response.status(), 200) << site;
    }
    EXPECT_EQ(handled_, 2);
}

TEST_F(ServerTest, PostWithThisBrowsersTokenReachesTheHandler) {
    Response response =
        post(route(Audience::kAnyone, Csrf::kRequiredOnPost), "csrf_token=" + valid_token());
    EXPECT_EQ(response.status(), 200);
    EXPECT_EQ(handled_, 1);
}

TEST_F(ServerTest, ExpiredFormHandlerAnswersARefusedPost) {
    Route declared = route(Audience::kAnyone, Csrf::kRequiredOnPost);
    declared.expired_form = [](const Request&, App&) { return Response::html(400, "again"); };
    Response response = post(declared, "a=1");
    EXPECT_EQ(response.body(), "again");
    EXPECT_EQ(handled_, 0);
}

TEST_F(ServerTest, RouteWithoutCsrfTakesAPostWithoutToken) {
    EXPECT_EQ(post(route(Audience::kAnyone, Csrf::kNotNeeded), "a=1").status(), 200);
    EXPECT_EQ(handled_, 1);
}

TEST_F(ServerTest, GetNeedsNoToken) {
    Response response =
        send(route(Audience::kAnyone, Csrf::kRequiredOnPost), {{"REQUEST_METHOD", "GET"}});
    EXPECT_EQ(response.status(), 200);
}

TEST_F(ServerTest, UndeclaredMethodIs405WithAllow) {
    Response response =
        send(route(Audience::kAnyone, Csrf::kNotNeeded), {{"REQUEST_METHOD", "DELETE"}});
    EXPECT_EQ(response.status(), 405);
    EXPECT_EQ(response.header("Allow"), "GET, POST");
    EXPECT_EQ(handled_, 0);
}

// Without nginx's protected-page.conf in front, the program sends the visitor to the login
// view itself, with the page to come back to, whatever the method.
TEST_F(ServerTest, VisitorOfASignedInPageIsSentToTheLoginViewWithNext) {
    for (const char* method : {"GET", "POST", "DELETE"}) {
        SCOPED_TRACE(method);
        Response response = send(route(Audience::kSignedIn, Csrf::kRequiredOnPost),
                                 {{"REQUEST_METHOD", method}, {"REQUEST_URI", "/test?a=1"}});
        EXPECT_EQ(response.status(), 302);
        EXPECT_EQ(response.header("Location"), "/login?next=%2Ftest%3Fa%3D1");
    }
    EXPECT_EQ(handled_, 0);
}

TEST_F(ServerTest, AnUnsafeRequestUriIsNotCarriedAsNext) {
    Response response = send(route(Audience::kSignedIn, Csrf::kNotNeeded),
                             {{"REQUEST_METHOD", "GET"}, {"REQUEST_URI", "//elsewhere.example/"}});
    EXPECT_EQ(response.header("Location"), "/login");
}

TEST_F(ServerTest, VisitorOfAPageNginxMarksAsNeedingSignInGets401) {
    Response response = send(route(Audience::kAnyone, Csrf::kNotNeeded),
                             {{"REQUEST_METHOD", "GET"}, {"MICROBLOG_SIGN_IN", "required"}});
    EXPECT_EQ(response.status(), 401);
    // nginx's named location that redirects to the login view (nginx/protected-page.conf).
    EXPECT_EQ(response.header("X-Accel-Redirect"), "@login");
    EXPECT_EQ(handled_, 0);
}

TEST_F(ServerTest, A401FromTheHandlerIsRedirectedOnlyOnAPageNeedingSignIn) {
    Route ends_session = route(Audience::kAnyone, Csrf::kNotNeeded);
    ends_session.handle = [](const Request&, App&) -> Response { throw HttpError(401, "ended"); };
    Response anywhere = send(ends_session, {{"REQUEST_METHOD", "GET"}});
    EXPECT_EQ(anywhere.status(), 401);
    EXPECT_EQ(anywhere.header("X-Accel-Redirect"), "");
    Response protected_page =
        send(ends_session, {{"REQUEST_METHOD", "GET"}, {"MICROBLOG_SIGN_IN", "required"}});
    EXPECT_EQ(protected_page.header("X-Accel-Redirect"), "@login");
}

TEST_F(ServerTest, VisitorOfASessionActionIsSentHome) {
    Response response =
        post(route(Audience::kSession, Csrf::kRequiredOnPost), "csrf_token=" + valid_token());
    EXPECT_EQ(response.status(), 302);
    EXPECT_EQ(response.header("Location"), "/index");
    EXPECT_EQ(handled_, 0);
}

TEST_F(ServerTest, VisitorOfAVisitorsPageReachesTheHandler) {
    Response response =
        send(route(Audience::kVisitors, Csrf::kNotNeeded), {{"REQUEST_METHOD", "GET"}});
    EXPECT_EQ(response.status(), 200);
}

// Handlers of the action tests: which ran, and the field it read.
std::string g_ran;
std::string g_read;

Response first_action(const Request& request, App&) {
    g_ran = "first";
    g_read = request.form().value("x");
    return Response::html(200, "first");
}

Response second_action(const Request& request, App&) {
    g_ran = "second";
    // A field only the first action declares is not read here.
    EXPECT_THROW(request.form().value("x"), std::logic_error);
    return Response::html(200, "second");
}

Response first_expired(const Request&, App&) {
    g_ran = "first expired";
    return Response::html(400, "first expired");
}

Route route_with_actions() {
    return Route{.name = "test",
                 .paths = {"/test"},
                 .methods = {"GET", "POST"},
                 .audience = Audience::kAnyone,
                 .fields = {{"page_field", 8}},
                 .actions = {{.name = "first",
                              .fields = {{"x", 8}},
                              .handle = first_action,
                              .expired_form = first_expired},
                             {.name = "second", .handle = second_action}},
                 .handle = [](const Request& request, App&) {
                     g_ran = "page:" + request.form().value("page_field");
                     return Response::html(200, "page");
                 }};
}

TEST_F(ServerTest, APostIsAnsweredByTheActionItNamesWithThatActionsFields) {
    Route row = route_with_actions();
    g_ran.clear();
    EXPECT_EQ(post(row, "action=first&x=42&csrf_token=" + valid_token()).status(), 200);
    EXPECT_EQ(g_ran, "first");
    EXPECT_EQ(g_read, "42");
    EXPECT_EQ(post(row, "action=second&x=42&csrf_token=" + valid_token()).status(), 200);
    EXPECT_EQ(g_ran, "second");
    // Other methods go to the page's handler, with the page's fields.
    EXPECT_EQ(send(row, {{"REQUEST_METHOD", "GET"}, {"QUERY_STRING", "page_field=p1"}}).status(),
              200);
    EXPECT_EQ(g_ran, "page:p1");
}

TEST_F(ServerTest, APostNamingNoActionIsA400ThatRunsNoHandler) {
    Route row = route_with_actions();
    for (const std::string& body : {std::string("action=third"), std::string("action="),
                                    std::string("x=1"), "action=" + std::string(40, 'f')}) {
        g_ran.clear();
        EXPECT_EQ(post(row, body + "&csrf_token=" + valid_token()).status(), 400) << body;
        EXPECT_EQ(g_ran, "") << body;
    }
    row.unknown_action = [](const Request&, App&) { return Response::html(422, "which?"); };
    EXPECT_EQ(post(row, "action=third&csrf_token=" + valid_token()).status(), 422);
}

TEST_F(ServerTest, AnExpiredFormIsAnsweredByItsActionsOwnHandler) {
    Route row = route_with_actions();
    g_ran.clear();
    EXPECT_EQ(post(row, "action=first&x=1").status(), 400);
    EXPECT_EQ(g_ran, "first expired");
    g_ran.clear();
    // The second has none: the route's (here none either: the plain 400 page).
    EXPECT_EQ(post(row, "action=second").status(), 400);
    EXPECT_EQ(g_ran, "");
}

Response takes_another_app(const Request&, App&) {
    return Response::html(200, "");
}

TEST(AsAppRoute, AnActionWhoseHandlerTakesAnotherAppStopsTheProgram) {
    using Site = AppWith<kNeedsTwoFactor>;
    BasicRoute<Site> row{.name = "mixed",
                         .paths = {"/mixed"},
                         .methods = {"POST"},
                         .audience = Audience::kAnyone,
                         .actions = {{.name = "wrong", .handle = takes_another_app}}};
    EXPECT_THROW(as_app_route(row), std::logic_error);
    row.actions = {{.name = "right",
                    .handle = +[](const Request&, Site&) { return Response::html(200, ""); }}};
    EXPECT_NO_THROW(as_app_route(row));
}

TEST(DescribeRoute, PrintsTheDeclaredFieldsActionsAndParts) {
    std::ostringstream out;
    describe_route(route_with_actions(), kNeedsLoginThrottle | kNeedsPasskeys, out);
    const std::string text = out.str();
    EXPECT_NE(text.find("\nfields page_field\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\naction first x\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\naction second \n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nparts login-throttle passkeys\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace microblog
