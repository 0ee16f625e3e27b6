// Pages: a content template inside the shared layout (templates/layout.tpl), rendered with
// ctemplate. Every template is loaded and checked at process start, then the cache is frozen,
// so a request never touches the disk and a broken template stops the program at start.
#pragma once

#include <ctemplate/template.h>

#include <memory>
#include <string>
#include <vector>

#include "core/http/request.h"

namespace microblog {

class Page {
  public:
    Page(std::string title, const std::string& content_template);

    // Values for the content template. Include dictionaries do not see the layout's values.
    ctemplate::TemplateDictionary& content() { return *content_; }
    ctemplate::TemplateDictionary& layout() { return layout_; }
    const std::string& title() const { return title_; }

    // Set-Cookie values the response must carry (a new pre-session cookie, say).
    void add_cookie(std::string set_cookie) { cookies_.push_back(std::move(set_cookie)); }
    const std::vector<std::string>& cookies() const { return cookies_; }

  private:
    std::string title_;
    ctemplate::TemplateDictionary layout_;
    ctemplate::TemplateDictionary* content_;
    std::vector<std::string> cookies_;
};

class Form;

// Puts a form's state into a template (names upper-cased): FIELD_VALUE for each of `echoed`
// (never passwords), a FIELD_ERROR section with MESSAGE for each of `fields` with an error, and
// FIELD_AUTOFOCUS on the first field with an error, else on the first field. `form` is null for
// a form shown for the first time.
void show_form_state(ctemplate::TemplateDictionary& dict, const Form* form,
                     std::initializer_list<std::string> echoed,
                     std::initializer_list<std::string> fields);

class Renderer {
  public:
    // Loads the layout, the error page and `content_templates` from `dir`, and `text_templates`
    // (mail bodies) kept as written, blank lines and all; throws std::runtime_error naming the
    // template that is missing or does not parse.
    Renderer(const std::string& dir, const std::vector<std::string>& content_templates,
             const std::vector<std::string>& text_templates = {});

    // The whole HTML page: layout with title, navigation for `identity`, flashes and content.
    std::string render(Page& page, const Identity& identity,
                       const std::vector<std::string>& flashes) const;
    // One of the text templates, expanded with `values`.
    std::string render_text(const std::string& name,
                            const ctemplate::TemplateDictionary& values) const;
};

}  // namespace microblog
