// Tests for core/page: rendering the real templates with escaping, navigation, flashes and forms.
#include "core/pages/page.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/http/encoding.h"
#include "core/http/form.h"

namespace microblog {
namespace {

const std::string kTemplatesDir = MICROBLOG_TEMPLATES_DIR;

// ctemplate's cache is process-global and the Renderer freezes it: one Renderer per program.
int count(const std::string& haystack, const std::string& needle) {
    int n = 0;
    for (size_t at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + 1))
        ++n;
    return n;
}

class PageTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (renderer_ == nullptr) {
            renderer_ = new Renderer(kTemplatesDir,
                                     {"login.tpl", "register.tpl", "index.tpl", "logout.tpl"});
        }
    }
    static const Renderer& renderer() { return *renderer_; }

    static Identity visitor() { return Identity{}; }
    static Identity signed_in(const std::string& csrf_token) {
        Identity identity;
        identity.user_id = "7";
        identity.username = "susan";
        identity.session_key = std::string(64, 'a');
        identity.csrf_token = csrf_token;
        return identity;
    }

    static Renderer* renderer_;
};

Renderer* PageTest::renderer_ = nullptr;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// The HTML between the first `open` and the next `close` after it, or "".
std::string between(const std::string& html, const std::string& open, const std::string& close) {
    size_t start = html.find(open);
    if (start == std::string::npos)
        return "";
    size_t end = html.find(close, start);
    if (end == std::string::npos)
        return "";
    return html.substr(start, end + close.size() - start);
}

TEST_F(PageTest, HomeEscapesUserContent) {
    Page page("Home", "index.tpl");
    page.content().SetValue("USERNAME", "<script>alert(1)</script>");
    ctemplate::TemplateDictionary* post = page.content().AddSectionDictionary("POST");
    post->SetValue("AUTHOR", "<i>mallory</i>");
    post->SetValue("BODY", "\"><img src=x onerror=alert(1)>");
    std::string html = renderer().render(page, signed_in("tok"), {});
    EXPECT_TRUE(contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;")) << html;
    EXPECT_FALSE(contains(html, "<script>alert")) << html;
    EXPECT_FALSE(contains(html, "<img")) << html;
    EXPECT_TRUE(contains(html, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")) << html;
    EXPECT_FALSE(contains(html, "<i>mallory")) << html;
    EXPECT_TRUE(contains(html, "&lt;i&gt;mallory&lt;/i&gt;")) << html;
}

TEST_F(PageTest, HomeListsPosts) {
    Page page("Home", "index.tpl");
    page.content().SetValue("USERNAME", "susan");
    for (const char* body : {"first post", "second post"}) {
        ctemplate::TemplateDictionary* post = page.content().AddSectionDictionary("POST");
        post->SetValue("AUTHOR", "john");
        post->SetValue("BODY", body);
    }
    std::string html = renderer().render(page, signed_in("tok"), {});
    EXPECT_TRUE(contains(html, "<h1>Hi, susan!</h1>")) << html;
    size_t first = html.find("first post");
    size_t second = html.find("second post");
    ASSERT_NE(first, std::string::npos) << html;
    ASSERT_NE(second, std::string::npos) << html;
    EXPECT_LT(first, second);
}

TEST_F(PageTest, TitleIsInTheLayout) {
    Page page("Home", "index.tpl");
    std::string html = renderer().render(page, visitor(), {});
    EXPECT_TRUE(contains(html, "<title>Home - Microblog</title>")) << html;
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u) << html.substr(0, 100);
    EXPECT_TRUE(contains(html, "</html>"));
}

TEST_F(PageTest, TitleIsEscaped) {
    Page page("</title><script>x</script>", "index.tpl");
    std::string html = renderer().render(page, visitor(), {});
    EXPECT_FALSE(contains(html, "<script>x")) << html;
    EXPECT_TRUE(contains(html, "&lt;/title&gt;&lt;script&gt;x&lt;/script&gt; - Microblog")) << html;
}

TEST_F(PageTest, VisitorSeesLoginLinkAndNoLogoutForm) {
    Page page("Sign In", "login.tpl");
    std::string html = renderer().render(page, visitor(), {});
    EXPECT_TRUE(contains(html, "<a href=\"/login\">Login</a>")) << html;
    EXPECT_FALSE(contains(html, "action=\"/logout\"")) << html;
    EXPECT_FALSE(contains(html, "Logout")) << html;
}

TEST_F(PageTest, SignedInUserSeesLogoutFormWithTheirToken) {
    Page page("Home", "index.tpl");
    std::string html = renderer().render(page, signed_in("tok-123_abc"), {});
    EXPECT_FALSE(contains(html, "<a href=\"/login\">Login</a>")) << html;
    std::string form = between(html, "<form class=\"nav-form\"", "</form>");
    ASSERT_FALSE(form.empty()) << html;
    EXPECT_TRUE(contains(form, "method=\"post\"")) << form;
    EXPECT_TRUE(contains(form, "action=\"/logout\"")) << form;
    EXPECT_TRUE(contains(form, "name=\"csrf_token\" value=\"tok-123_abc\"")) << form;
}

TEST_F(PageTest, CsrfTokenIsEscapedInsideTheAttribute) {
    Page page("Home", "index.tpl");
    std::string html = renderer().render(page, signed_in("a\"><script>x</script>"), {});
    std::string form = between(html, "<form class=\"nav-form\"", "</form>");
    ASSERT_FALSE(form.empty()) << html;
    EXPECT_FALSE(contains(form, "value=\"a\">")) << form;
    EXPECT_FALSE(contains(html, "<script>x")) << html;
    EXPECT_TRUE(contains(form, "value=\"a&quot;&gt;&lt;script&gt;x&lt;/script&gt;\"")) << form;
}

TEST_F(PageTest, NoFlashListWithoutFlashes) {
    Page page("Home", "index.tpl");
    std::string html = renderer().render(page, visitor(), {});
    EXPECT_FALSE(contains(html, "role=\"status\"")) << html;
    EXPECT_FALSE(contains(html, "<li>")) << html;
}

TEST_F(PageTest, FlashesAreEscapedListItemsInAStatusList) {
    Page page("Home", "index.tpl");
    std::string html = renderer().render(
        page, visitor(), {"Congratulations, you are now a registered user!", "<b>bold</b> & co"});
    std::string list = between(html, "<ul", "</ul>");
    ASSERT_FALSE(list.empty()) << html;
    EXPECT_TRUE(contains(list, "role=\"status\"")) << list;
    EXPECT_TRUE(contains(list, "<li>Congratulations, you are now a registered user!</li>")) << list;
    EXPECT_TRUE(contains(list, "<li>&lt;b&gt;bold&lt;/b&gt; &amp; co</li>")) << list;
    EXPECT_FALSE(contains(html, "<b>bold")) << html;
    EXPECT_LT(list.find("Congratulations"), list.find("bold"));
}

TEST_F(PageTest, LayoutValuesDoNotLeakIntoContent) {
    // Include dictionaries do not inherit: CSRF_TOKEN of the layout is not the login form's.
    Page page("Sign In", "login.tpl");
    page.content().SetValue("CSRF_TOKEN", "form-token");
    std::string html = renderer().render(page, signed_in("nav-token"), {});
    std::string login_form =
        between(html, "<form method=\"post\" class=\"stacked-form\"", "</form>");
    ASSERT_FALSE(login_form.empty()) << html;
    EXPECT_TRUE(contains(login_form, "value=\"form-token\"")) << login_form;
    EXPECT_FALSE(contains(login_form, "nav-token")) << login_form;
}

TEST_F(PageTest, ShowFormStateEchoesValuesAndErrorsEscaped) {
    std::string body = "username=" + url_encode_component("\"><b>susan</b>") +
                       "&password=" + url_encode_component("hunter2") + "&email=bad";
    Request request({{"REQUEST_METHOD", "POST"},
                     {"CONTENT_TYPE", "application/x-www-form-urlencoded"},
                     {"CONTENT_LENGTH", std::to_string(body.size())}},
                    body);
    request.read_form({{"username", 64},
                       {"email", 120},
                       {"password", 128, FieldRule::Unit::kBytes, false},
                       {"password2", 128, FieldRule::Unit::kBytes, false}});
    Form form = request.form();
    form.add_error("username", "<That> name is taken.");
    form.require("password2");
    Page page("Register", "register.tpl");
    show_form_state(page.content(), &form, {"username", "email"},
                    {"username", "email", "password", "password2"});
    std::string html = renderer().render(page, visitor(), {});
    EXPECT_TRUE(contains(html, "value=\"&quot;&gt;&lt;b&gt;susan&lt;/b&gt;\"")) << html;
    EXPECT_FALSE(contains(html, "<b>susan")) << html;
    EXPECT_TRUE(contains(html, "value=\"bad\"")) << html;
    EXPECT_FALSE(contains(html, "hunter2")) << "passwords are never echoed";
    EXPECT_TRUE(contains(html, "id=\"username-error\">&lt;That&gt; name is taken.")) << html;
    EXPECT_TRUE(contains(html, "id=\"password2-error\">This field is required.")) << html;
    EXPECT_FALSE(contains(html, "id=\"email-error\"")) << html;
    EXPECT_FALSE(contains(html, "id=\"password-error\"")) << html;
    // The first field with an error takes the focus, and only it.
    EXPECT_TRUE(contains(html, "id=\"username\" name=\"username\"")) << html;
    EXPECT_EQ(count(html, " autofocus"), 1) << html;
    EXPECT_TRUE(contains(html, "maxlength=\"64\" autocomplete=\"username\" required autofocus"))
        << html;
}

TEST_F(PageTest, FocusGoesToTheFirstFieldWithAnErrorElseTheFirstField) {
    std::string body = "username=susan";
    Request request({{"REQUEST_METHOD", "POST"},
                     {"CONTENT_TYPE", "application/x-www-form-urlencoded"},
                     {"CONTENT_LENGTH", std::to_string(body.size())}},
                    body);
    request.read_form({{"username", 64}, {"password2", 128, FieldRule::Unit::kBytes, false}});
    Form form = request.form();
    form.require("password2");
    Page with_error("Register", "register.tpl");
    show_form_state(with_error.content(), &form, {"username"},
                    {"username", "email", "password", "password2"});
    std::string html = renderer().render(with_error, visitor(), {});
    EXPECT_EQ(count(html, " autofocus"), 1) << html;
    EXPECT_TRUE(contains(html,
                         "autocomplete=\"new-password\" required autofocus aria-invalid=\"true\" "
                         "aria-describedby=\"password2-error\""))
        << html;

    Page fresh("Register", "register.tpl");
    show_form_state(fresh.content(), nullptr, {"username"},
                    {"username", "email", "password", "password2"});
    html = renderer().render(fresh, visitor(), {});
    EXPECT_EQ(count(html, " autofocus"), 1) << html;
    EXPECT_TRUE(contains(html, "autocomplete=\"username\" required autofocus>")) << html;
}

TEST_F(PageTest, PageKeepsCookies) {
    Page page("Home", "index.tpl");
    EXPECT_TRUE(page.cookies().empty());
    page.add_cookie("presession=abc; Path=/");
    page.add_cookie("flash=; Max-Age=0");
    EXPECT_EQ(page.cookies(),
              (std::vector<std::string>{"presession=abc; Path=/", "flash=; Max-Age=0"}));
    EXPECT_EQ(page.title(), "Home");
}

TEST(PageTemplates, EveryTemplateAutoEscapesHtml) {
    // ctemplate escapes only files that start with the directive, includes too.
    const std::string directive = "{{%AUTOESCAPE context=\"HTML\"}}";
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kTemplatesDir)) {
        if (!entry.is_regular_file())
            continue;
        std::ifstream in(entry.path());
        std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        EXPECT_EQ(content.rfind(directive, 0), 0u) << entry.path();
        ++count;
    }
    EXPECT_GE(count, 6);
}

TEST(PageRenderer, UnknownTemplateIsRefused) {
    // A missing template stops the program at start instead of failing a request later.
    EXPECT_THROW(Renderer(kTemplatesDir, {"does-not-exist.tpl"}), std::runtime_error);
}

}  // namespace
}  // namespace microblog
