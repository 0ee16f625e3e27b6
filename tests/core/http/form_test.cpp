// Tests for core/form: field checks (UTF-8, controls, trimming, length), errors, is_email_address.
#include "core/http/form.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

#include "core/http/encoding.h"
#include "core/http/request.h"

namespace microblog {
namespace {

const char kNotAllowed[] = "This field contains characters that are not allowed.";
const char kRequired[] = "This field is required.";

// A POST request whose body carries `fields` (name, raw value) url-encoded.
Request post(std::initializer_list<std::pair<std::string, std::string>> fields) {
    std::string body;
    for (const auto& [name, value] : fields) {
        if (!body.empty())
            body += '&';
        body += url_encode_component(name) + "=" + url_encode_component(value);
    }
    return Request({{"REQUEST_METHOD", "POST"},
                    {"CONTENT_TYPE", "application/x-www-form-urlencoded"},
                    {"CONTENT_LENGTH", std::to_string(body.size())}},
                   body);
}

// The request's fields as a route declaring `rules` reads them.
Form read(Request request, const std::vector<FieldRule>& rules) {
    request.read_form(rules);
    return request.form();
}

std::string repeat(const std::string& s, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i)
        out += s;
    return out;
}

TEST(Form, ValidFieldsPassThrough) {
    Request request = post({{"username", "susan"}, {"about", "jos\xc3\xa9 \xf0\x9f\x98\x80"}});
    Form form = read(request, {{"username", 64}, {"about", 140}});
    EXPECT_TRUE(form.valid());
    EXPECT_EQ(form.value("username"), "susan");
    EXPECT_EQ(form.value("about"), "jos\xc3\xa9 \xf0\x9f\x98\x80");
    EXPECT_EQ(form.error("username"), nullptr);
}

TEST(Form, AbsentFieldIsEmptyAndValidUntilRequired) {
    Request request = post({{"username", "susan"}});
    Form form = read(request, {{"username", 64}, {"email", 120}});
    EXPECT_EQ(form.value("email"), "");
    EXPECT_TRUE(form.valid());
    form.require("email");
    EXPECT_FALSE(form.valid());
    ASSERT_NE(form.error("email"), nullptr);
    EXPECT_EQ(*form.error("email"), kRequired);
}

TEST(Form, TrimsSurroundingSpaces) {
    Request request = post({{"username", "  susan  "}, {"about", " a b "}});
    Form form = read(request, {{"username", 64}, {"about", 64}});
    EXPECT_EQ(form.value("username"), "susan");
    EXPECT_EQ(form.value("about"), "a b");
}

TEST(Form, DoesNotTrimWhenTrimIsFalse) {
    Request request = post({{"password", "  secret  "}});
    Form form = read(request, {{"password", 128, FieldRule::Unit::kBytes, false}});
    EXPECT_EQ(form.value("password"), "  secret  ");
    EXPECT_TRUE(form.valid());
}

TEST(Form, TrimsBeforeMeasuring) {
    Request request = post({{"username", "   " + std::string(64, 'a') + "   "}});
    Form form = read(request, {{"username", 64}});
    EXPECT_TRUE(form.valid());
    EXPECT_EQ(form.value("username"), std::string(64, 'a'));
}

TEST(Form, LengthInCharacters) {
    Request ok = post({{"username", repeat("\xc3\xa9", 64)}});
    Form ok_form = read(ok, {{"username", 64}});
    EXPECT_TRUE(ok_form.valid());
    EXPECT_EQ(ok_form.value("username"), repeat("\xc3\xa9", 64));

    Request too_long = post({{"username", repeat("\xc3\xa9", 65)}});
    Form long_form = read(too_long, {{"username", 64}});
    EXPECT_FALSE(long_form.valid());
    ASSERT_NE(long_form.error("username"), nullptr);
    EXPECT_EQ(*long_form.error("username"), "Field cannot be longer than 64 characters.");
    // The over-long text is kept so the visitor can shorten it.
    EXPECT_EQ(long_form.value("username"), repeat("\xc3\xa9", 65));
}

TEST(Form, LengthInBytes) {
    // 64 'é' are 128 bytes: within 128 bytes, not within 127.
    Request request = post({{"password", repeat("\xc3\xa9", 64)}});
    Form fits = read(request, {{"password", 128, FieldRule::Unit::kBytes, false}});
    EXPECT_TRUE(fits.valid());
    Form too_long = read(request, {{"password", 127, FieldRule::Unit::kBytes, false}});
    EXPECT_FALSE(too_long.valid());
    ASSERT_NE(too_long.error("password"), nullptr);
    EXPECT_EQ(*too_long.error("password"), "Field cannot be longer than 127 bytes.");
    // Counted in characters, the same 64 'é' fit 64.
    Form chars = read(request, {{"password", 64, FieldRule::Unit::kCharacters, false}});
    EXPECT_TRUE(chars.valid());
}

TEST(Form, RefusesInvalidUtf8) {
    for (const std::string bad :
         {"\xff", "abc\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "caf\xc3", "\x80z"}) {
        Request request = post({{"username", bad}});
        Form form = read(request, {{"username", 64}});
        EXPECT_FALSE(form.valid());
        ASSERT_NE(form.error("username"), nullptr);
        EXPECT_EQ(*form.error("username"), kNotAllowed);
        EXPECT_EQ(form.value("username"), "") << "bad bytes must never be echoed back";
    }
}

TEST(Form, RefusesNulAndControlCharacters) {
    for (const std::string& bad :
         {std::string("ad\0min", 6), std::string("a\tb"), std::string("a\r\nb"),
          std::string("a\x7f"), std::string("a\xc2\x85z"), std::string("\x1b[2J")}) {
        Request request = post({{"username", bad}});
        Form form = read(request, {{"username", 64}});
        EXPECT_FALSE(form.valid());
        ASSERT_NE(form.error("username"), nullptr);
        EXPECT_EQ(*form.error("username"), kNotAllowed);
        EXPECT_EQ(form.value("username"), "");
    }
}

TEST(Form, RefusesControlCharactersEvenWithoutTrimming) {
    Request request = post({{"password", "secret\n"}});
    Form form = read(request, {{"password", 128, FieldRule::Unit::kBytes, false}});
    EXPECT_FALSE(form.valid());
    EXPECT_EQ(form.value("password"), "");
}

TEST(Form, RequireRefusesBlankAndSpacesOnly) {
    Request request = post({{"a", ""}, {"b", "    "}, {"c", "x"}, {"d", " x "}});
    Form form = read(request, {{"a", 10},
                               {"b", 10, FieldRule::Unit::kCharacters, false},
                               {"c", 10},
                               {"d", 10, FieldRule::Unit::kCharacters, false}});
    form.require("a");
    form.require("b");
    form.require("c");
    form.require("d");
    ASSERT_NE(form.error("a"), nullptr);
    EXPECT_EQ(*form.error("a"), kRequired);
    ASSERT_NE(form.error("b"), nullptr);
    EXPECT_EQ(*form.error("b"), kRequired);
    EXPECT_EQ(form.error("c"), nullptr);
    EXPECT_EQ(form.error("d"), nullptr);
    EXPECT_FALSE(form.valid());
}

TEST(Form, FirstErrorWins) {
    Request request = post({{"username", "a\x01"}});
    Form form = read(request, {{"username", 64}});
    form.require("username");
    form.add_error("username", "That name is taken.");
    ASSERT_NE(form.error("username"), nullptr);
    EXPECT_EQ(*form.error("username"), kNotAllowed);

    Request empty = post({});
    Form form2 = read(empty, {{"username", 64}});
    form2.require("username");
    form2.add_error("username", "Other.");
    EXPECT_EQ(*form2.error("username"), kRequired);
}

TEST(Form, AddErrorMakesFormInvalid) {
    Request request = post({{"username", "susan"}});
    Form form = read(request, {{"username", 64}});
    EXPECT_TRUE(form.valid());
    form.add_error("form", "Invalid username or password.");
    EXPECT_FALSE(form.valid());
    EXPECT_EQ(*form.error("form"), "Invalid username or password.");
    EXPECT_EQ(form.error("username"), nullptr);
}

TEST(Form, CheckedIsTrueForNonEmptyValue) {
    Request request = post({{"remember_me", "y"}, {"other", ""}});
    Form form = read(request, {{"remember_me", 1}, {"other", 1}, {"absent", 1}});
    EXPECT_TRUE(form.checked("remember_me"));
    EXPECT_FALSE(form.checked("other"));
    EXPECT_FALSE(form.checked("absent"));
}

TEST(Form, ReadsFieldsCaseInsensitively) {
    Request request = post({{"USERNAME", "susan"}});
    Form form = read(request, {{"username", 64}});
    EXPECT_EQ(form.value("username"), "susan");
}

TEST(Form, FieldsFromAMapGetTheSameChecks) {
    std::map<std::string, std::string> fields = {{"username", "  susan  "},
                                                 {"email", "susan\x01@example.com"},
                                                 {"about", repeat("\xc3\xa9", 5)},
                                                 {"password", " pw "}};
    Form form(fields, {{"username", 64},
                       {"email", 120},
                       {"about", 4},
                       {"password", 16, FieldRule::Unit::kBytes, false},
                       {"absent", 10}});
    EXPECT_EQ(form.value("username"), "susan");
    ASSERT_NE(form.error("email"), nullptr);
    EXPECT_EQ(*form.error("email"), kNotAllowed);
    EXPECT_EQ(form.value("email"), "");
    ASSERT_NE(form.error("about"), nullptr);
    EXPECT_EQ(*form.error("about"), "Field cannot be longer than 4 characters.");
    EXPECT_EQ(form.value("password"), " pw ");
    EXPECT_EQ(form.value("absent"), "");
    EXPECT_EQ(form.error("absent"), nullptr);
}

TEST(Form, AHintFieldThatIsBadIsDroppedWithoutAnError) {
    const FieldRule hint{.name = "next", .max_length = 8, .drop_when_bad = true};
    for (const std::string& bad :
         {std::string("/" + std::string(8, 'a')), std::string("/a\nb"), std::string("/\xff")}) {
        Form form = read(post({{"next", bad}, {"username", "susan"}}), {hint, {"username", 64}});
        EXPECT_EQ(form.value("next"), "") << bad;
        EXPECT_TRUE(form.valid()) << bad;
    }
    Form good = read(post({{"next", "/index"}}), {hint});
    EXPECT_EQ(good.value("next"), "/index");
}

TEST(Form, AFieldNoRuleDeclaredCannotBeRead) {
    Form form = read(post({{"username", "susan"}, {"other", "x"}}), {{"username", 64}});
    EXPECT_EQ(form.value("username"), "susan");
    EXPECT_THROW(form.value("other"), std::logic_error);
    EXPECT_THROW(form.value("absent"), std::logic_error);
}

TEST(IsEmailAddress, AcceptsPlausibleAddresses) {
    for (const std::string ok : {"susan@example.com", "a.b+c@sub.example.org",
                                 "jos\xc3\xa9@ex\xc3\xa4mple.de", "x@a-b.example", "1@2.3"}) {
        EXPECT_TRUE(is_email_address(ok)) << ok;
    }
}

TEST(IsEmailAddress, RejectsImplausibleAddresses) {
    for (const std::string bad : {"",          "susan",         "@example.com",
                                  "susan@",    "susan@example", "su san@example.com",
                                  "a@@b.com",  "a@b..com",      "a@-b.com",
                                  ".a@b.com",  "a.@b.com",      "a..b@c.com",
                                  "a@b.com.",  "a@.b.com",      "a@b-.com",
                                  "a@b_c.com", "a@b c.com",     "a@b.com@c.com",
                                  "a\t@b.com", "<a>@b.com",     "a@[127.0.0.1]",
                                  "a@b.com\n"}) {
        EXPECT_FALSE(is_email_address(bad)) << bad;
    }
}

TEST(IsEmailAddress, LimitsLocalPartAndLabelLengths) {
    EXPECT_TRUE(is_email_address(std::string(64, 'a') + "@b.com"));
    EXPECT_FALSE(is_email_address(std::string(65, 'a') + "@b.com"));
    EXPECT_TRUE(is_email_address("a@" + std::string(63, 'b') + ".com"));
    EXPECT_FALSE(is_email_address("a@" + std::string(64, 'b') + ".com"));
}

}  // namespace
}  // namespace microblog
