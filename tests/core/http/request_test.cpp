// Tests for core/request: form fields via cgicc, duplicate fields, identity, cookies, body length.
#include "core/http/request.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "core/http/encoding.h"
#include "core/http/http_error.h"

namespace microblog {
namespace {

Request::Params post_params(const std::string& query = "") {
    return {{"REQUEST_METHOD", "POST"},
            {"QUERY_STRING", query},
            {"CONTENT_TYPE", "application/x-www-form-urlencoded"},
            {"CONTENT_LENGTH", "0"}};
}

Request post(const std::string& body, const std::string& query = "") {
    Request::Params params = post_params(query);
    params["CONTENT_LENGTH"] = std::to_string(body.size());
    return Request(params, body);
}

// A field as parsed, read through a rule that lets any text through as it came.
std::string field(Request request, const std::string& name) {
    request.read_form({{name, 1u << 20, FieldRule::Unit::kBytes, false}});
    return request.form().value(name);
}

Request get(const std::string& query) {
    return Request({{"REQUEST_METHOD", "GET"}, {"QUERY_STRING", query}}, "");
}

// The status of the HttpError building the request throws, or 0.
int error_status(const Request::Params& params, const std::string& body) {
    try {
        Request request(params, body);
    } catch (const HttpError& e) {
        return e.status();
    }
    return 0;
}

int post_error_status(const std::string& body, const std::string& query = "") {
    return error_status(post_params(query), body);
}

TEST(Request, ParsesPostFields) {
    Request request = post("username=susan&password=cat");
    EXPECT_EQ(request.method(), "POST");
    EXPECT_EQ(field(request, "username"), "susan");
    EXPECT_EQ(field(request, "password"), "cat");
    EXPECT_EQ(field(request, "email"), "");
}

TEST(Request, PercentDecodesAndTreatsPlusAsSpace) {
    Request request = post("a=hello+world&b=%2Fa%3Fb%3D1%26c%3D2&c=jos%C3%A9&d=1%2B1");
    EXPECT_EQ(field(request, "a"), "hello world");
    EXPECT_EQ(field(request, "b"), "/a?b=1&c=2");
    EXPECT_EQ(field(request, "c"), "jos\xc3\xa9");
    EXPECT_EQ(field(request, "d"), "1+1");
}

TEST(Request, EmptyFieldIsPresentButEmpty) {
    Request request = post("remember_me=&username=x");
    EXPECT_EQ(field(request, "remember_me"), "");
}

TEST(Request, KeepsEmbeddedNulForTheFormToRefuse) {
    Request request = post("username=ad%00min");
    request.read_form({{"username", 64}});
    // A parser that stopped at the NUL would pass "ad" as a valid name.
    EXPECT_FALSE(request.form().valid());
    EXPECT_NE(request.form().error("username"), nullptr);
}

TEST(Request, OnlyDeclaredFieldsReachTheRoute) {
    Request request = post("username=susan&password=cat");
    request.read_form({{"username", 64}});
    EXPECT_EQ(request.form().value("username"), "susan");
    EXPECT_THROW(request.form().value("password"), std::logic_error);
}

TEST(Request, SeesQueryAndBodyFields) {
    Request request = post("username=susan", "next=%2Findex%3Fa%3D1");
    EXPECT_EQ(field(request, "username"), "susan");
    EXPECT_EQ(field(request, "next"), "/index?a=1");
}

TEST(Request, ParsesQueryStringOfGet) {
    Request request = get("next=/user/susan&tab=posts");
    EXPECT_EQ(request.method(), "GET");
    EXPECT_EQ(field(request, "next"), "/user/susan");
    EXPECT_EQ(field(request, "tab"), "posts");
}

TEST(Request, GetIgnoresAnyBody) {
    Request request({{"REQUEST_METHOD", "GET"}, {"QUERY_STRING", "a=1"}}, "b=2");
    EXPECT_EQ(field(request, "a"), "1");
    EXPECT_EQ(field(request, "b"), "");
}

TEST(Request, FoldsFieldNamesToLowerCase) {
    Request request = post("USERNAME=susan&PassWord=cat");
    EXPECT_EQ(field(request, "username"), "susan");
    EXPECT_EQ(field(request, "password"), "cat");
}

TEST(Request, FieldSentTwiceInBodyIs400) {
    EXPECT_EQ(post_error_status("username=susan&username=admin"), 400);
    EXPECT_EQ(post_error_status("a=1&username=susan&b=2&username=susan"), 400);
}

TEST(Request, FieldInQueryAndBodyIs400) {
    EXPECT_EQ(post_error_status("username=susan", "username=admin"), 400);
    EXPECT_EQ(post_error_status("csrf_token=a", "csrf_token=a"), 400);
}

TEST(Request, FieldsDifferingOnlyByCaseAre400) {
    EXPECT_EQ(post_error_status("username=susan&USERNAME=admin"), 400);
    EXPECT_EQ(post_error_status("Username=susan", "uSERNAME=admin"), 400);
}

TEST(Request, FieldSentTwiceInQueryIs400) {
    EXPECT_EQ(
        error_status({{"REQUEST_METHOD", "GET"}, {"QUERY_STRING", "next=/a&next=//evil"}}, ""),
        400);
}

TEST(Request, DistinctFieldsAreNot400) {
    EXPECT_EQ(post_error_status("username=susan&password=x", "next=/index"), 0);
}

TEST(Request, ParametersNeverMakeAnIdentity) {
    // Identity comes from the session cookie alone (App::identify); names a misconfigured web
    // server might pass on must not sign anyone in.
    Request::Params params = post_params();
    params["MICROBLOG_USER_ID"] = "42";
    params["MICROBLOG_USER_NAME"] = hex_encode("admin");
    params["MICROBLOG_CSRF"] = "tok";
    params["REMOTE_USER"] = "admin";
    Request request(params, "");
    EXPECT_FALSE(request.identity().signed_in());
    EXPECT_EQ(request.identity().username, "");
    EXPECT_EQ(request.identity().csrf_token, "");
}

TEST(Request, KeepsTheIdentityItIsGiven) {
    Request request(post_params(), "");
    Identity identity;
    identity.user_id = "42";
    identity.username = "jos\xc3\xa9 <b>";
    identity.csrf_token = "csrf-token";
    request.set_identity(identity);
    EXPECT_TRUE(request.identity().signed_in());
    EXPECT_EQ(request.identity().username, "jos\xc3\xa9 <b>");
    EXPECT_EQ(request.identity().csrf_token, "csrf-token");
}

TEST(Request, ReadsParamsAndCookies) {
    Request::Params params = post_params();
    params["HTTP_COOKIE"] = "session=abc; flash=f1; xsession=no; session=def";
    params["HTTP_HOST"] = "example.test";
    Request request(params, "");
    EXPECT_EQ(request.param("HTTP_HOST"), "example.test");
    EXPECT_EQ(request.param("MISSING"), "");
    EXPECT_EQ(request.cookies("session"), (std::vector<std::string>{"abc", "def"}));
    EXPECT_EQ(request.cookies("flash"), (std::vector<std::string>{"f1"}));
    EXPECT_TRUE(request.cookies("presession").empty());
}

TEST(Request, CookiesAreNotFormFields) {
    Request::Params params = post_params();
    params["HTTP_COOKIE"] = "username=admin";
    Request request(params, "");
    EXPECT_EQ(field(request, "username"), "");
}

constexpr size_t kMax = 64 * 1024;
const std::string kForm = "application/x-www-form-urlencoded";

int length_error(const std::string& method, const std::string& type, const std::string& length) {
    try {
        checked_body_length(method, type, length, kMax);
    } catch (const HttpError& e) {
        return e.status();
    }
    return 0;
}

TEST(CheckedBodyLength, NonPostHasNoBody) {
    EXPECT_EQ(checked_body_length("GET", "", "", kMax), 0u);
    EXPECT_EQ(checked_body_length("GET", kForm, "12", kMax), 0u);
    EXPECT_EQ(checked_body_length("HEAD", "text/plain", "99999999999", kMax), 0u);
}

TEST(CheckedBodyLength, PostUrlEncoded) {
    EXPECT_EQ(checked_body_length("POST", kForm, "12", kMax), 12u);
    EXPECT_EQ(checked_body_length("POST", kForm, "1", kMax), 1u);
    EXPECT_EQ(checked_body_length("POST", kForm + "; charset=UTF-8", "12", kMax), 12u);
    EXPECT_EQ(checked_body_length("POST", "Application/X-WWW-Form-Urlencoded", "12", kMax), 12u);
    EXPECT_EQ(checked_body_length("POST", kForm + " ; charset=UTF-8", "12", kMax), 12u);
}

TEST(CheckedBodyLength, EmptyLengthIsZero) {
    EXPECT_EQ(checked_body_length("POST", kForm, "", kMax), 0u);
    EXPECT_EQ(checked_body_length("POST", kForm, "0", kMax), 0u);
}

TEST(CheckedBodyLength, OtherContentTypesAre415) {
    EXPECT_EQ(length_error("POST", "multipart/form-data; boundary=xyz", "12"), 415);
    EXPECT_EQ(length_error("POST", "text/plain", "12"), 415);
    EXPECT_EQ(length_error("POST", "application/json", "12"), 415);
    EXPECT_EQ(length_error("POST", "", "12"), 415);
    EXPECT_EQ(length_error("POST", "application/x-www-form-urlencodedx", "12"), 415);
}

TEST(CheckedBodyLength, MalformedLengthsAre400) {
    for (const std::string length : {"-1", "1e3", " 12", "12 ", "+12", "0x10", "12a", "1.0",
                                     "99999999999", "18446744073709551617"}) {
        EXPECT_EQ(length_error("POST", kForm, length), 400) << "'" << length << "'";
    }
}

TEST(CheckedBodyLength, OverTheMaximumIs413) {
    EXPECT_EQ(checked_body_length("POST", kForm, std::to_string(kMax), kMax), kMax);
    EXPECT_EQ(length_error("POST", kForm, std::to_string(kMax + 1)), 413);
    EXPECT_EQ(length_error("POST", kForm, "999999999"), 413);
}

}  // namespace
}  // namespace microblog
