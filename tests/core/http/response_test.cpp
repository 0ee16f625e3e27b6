// Tests for core/response: building responses, header injection checks and serialisation.
#include "core/http/response.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace microblog {
namespace {

TEST(Response, RedirectSerializesStatusLineHeadersBlankLineBody) {
    Response response = Response::redirect("/index");
    EXPECT_EQ(response.status(), 302);
    EXPECT_EQ(response.header("Location"), "/index");
    std::string out = response.serialize();
    EXPECT_EQ(out.rfind("Status: 302 Found\r\n", 0), 0u) << out;
    EXPECT_NE(out.find("\r\nLocation: /index\r\n"), std::string::npos) << out;
    // Headers end with an empty line, and the body (empty here) follows it.
    ASSERT_GE(out.size(), 4u);
    EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n") << out;
    EXPECT_EQ(out.find("\r\n\r\n"), out.size() - 4) << out;
}

TEST(Response, HtmlHasContentTypeAndNoStore) {
    Response response = Response::html(200, "<p>hi</p>");
    EXPECT_EQ(response.status(), 200);
    EXPECT_EQ(response.body(), "<p>hi</p>");
    EXPECT_EQ(response.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(response.header("Cache-Control"), "no-store");
}

TEST(Response, PagesRefuseFramingSniffingAndCrossSiteReferrers) {
    Response response = Response::html(200, "<p>hi</p>");
    EXPECT_EQ(response.header("X-Frame-Options"), "DENY");
    EXPECT_EQ(response.header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(response.header("Referrer-Policy"), "same-origin");
}

TEST(Response, SerializeExactLayout) {
    Response response = Response::html(404, "body\r\n\r\nmore");
    response.set_header("Set-Cookie", "a=1");
    response.set_header("Set-Cookie", "b=2");
    EXPECT_EQ(response.serialize(),
              "Status: 404 Not Found\r\n"
              "Content-Type: text/html; charset=utf-8\r\n"
              "Cache-Control: no-store\r\n"
              "X-Frame-Options: DENY\r\n"
              "X-Content-Type-Options: nosniff\r\n"
              "Referrer-Policy: same-origin\r\n"
              "Set-Cookie: a=1\r\n"
              "Set-Cookie: b=2\r\n"
              "\r\n"
              "body\r\n\r\nmore");
}

TEST(Response, StatusLinesUseTheirReasonPhrases) {
    EXPECT_EQ(Response::html(200, "").serialize().rfind("Status: 200 OK\r\n", 0), 0u);
    EXPECT_EQ(Response::html(401, "").serialize().rfind("Status: 401 Unauthorized\r\n", 0), 0u);
    EXPECT_EQ(Response::html(403, "").serialize().rfind("Status: 403 Forbidden\r\n", 0), 0u);
    EXPECT_EQ(Response::html(400, "").serialize().rfind("Status: 400 Bad Request\r\n", 0), 0u);
    EXPECT_EQ(Response::html(413, "").serialize().rfind("Status: 413 Content Too Large\r\n", 0),
              0u);
    EXPECT_EQ(
        Response::html(415, "").serialize().rfind("Status: 415 Unsupported Media Type\r\n", 0), 0u);
    EXPECT_EQ(Response::html(500, "").serialize().rfind("Status: 500 Internal Server Error\r\n", 0),
              0u);
    EXPECT_STREQ(reason_phrase(303), "See Other");
    EXPECT_STREQ(reason_phrase(405), "Method Not Allowed");
}

TEST(Response, HeadersKeepsEveryValueInOrder) {
    Response response = Response::redirect("/index");
    response.set_header("Set-Cookie", "a=1");
    response.set_header("X-Other", "x");
    response.set_header("Set-Cookie", "b=2");
    EXPECT_EQ(response.headers("Set-Cookie"), (std::vector<std::string>{"a=1", "b=2"}));
    EXPECT_EQ(response.header("Set-Cookie"), "a=1");
    EXPECT_EQ(response.header("Missing"), "");
    EXPECT_TRUE(response.headers("Missing").empty());
}

TEST(Response, SetHeaderRefusesLineBreaksAndNul) {
    const std::string bad[] = {
        "\r",   "\n", std::string(1, '\0'), "a\r\nSet-Cookie: x=y", "a\nb", std::string("a\0b", 3),
        "end\r"};
    for (const std::string& b : bad) {
        Response response = Response::redirect("/index");
        const std::string before = response.serialize();
        EXPECT_THROW(response.set_header("X-Test", b), std::logic_error);
        EXPECT_THROW(response.set_header("X-" + b, "value"), std::logic_error);
        EXPECT_TRUE(response.headers("X-Test").empty());
        EXPECT_EQ(response.serialize(), before);
    }
}

TEST(Response, RedirectRefusesHeaderInjection) {
    EXPECT_THROW(Response::redirect("/index\r\nSet-Cookie: x=y"), std::logic_error);
}

TEST(Response, SetHeaderAcceptsOrdinaryValues) {
    Response response = Response::redirect("/index");
    response.set_header("X-Test", "a\tb \xc3\xa9 \"quoted\"; x=y");
    EXPECT_EQ(response.header("X-Test"), "a\tb \xc3\xa9 \"quoted\"; x=y");
}

}  // namespace
}  // namespace microblog
