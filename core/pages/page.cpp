// Filling and expanding the layout and content templates.
#include "core/pages/page.h"

#include <algorithm>
#include <stdexcept>

#include "core/http/form.h"

namespace microblog {
namespace {
constexpr const char* kLayoutTemplate = "layout.tpl";
constexpr const char* kErrorTemplate = "error.tpl";
// Blank lines go; indentation and line breaks stay, since they can matter inside text.
constexpr ctemplate::Strip kStrip = ctemplate::STRIP_BLANK_LINES;
}  // namespace

Page::Page(std::string title, const std::string& content_template)
    : title_(std::move(title)),
      layout_("layout"),
      content_(layout_.AddIncludeDictionary("CONTENT")) {
    content_->SetFilename(content_template);
}

namespace {
std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return char(std::toupper(c)); });
    return s;
}
}  // namespace

void show_form_state(ctemplate::TemplateDictionary& dict, const Form* form,
                     std::initializer_list<std::string> echoed,
                     std::initializer_list<std::string> fields) {
    std::string focus = *fields.begin();
    bool error_seen = false;
    for (const std::string& name : fields) {
        const std::string* message = form ? form->error(name) : nullptr;
        if (message == nullptr)
            continue;
        dict.AddSectionDictionary(upper(name) + "_ERROR")->SetValue("MESSAGE", *message);
        if (!error_seen)
            focus = name;
        error_seen = true;
    }
    dict.ShowSection(upper(focus) + "_AUTOFOCUS");
    if (form == nullptr)
        return;
    for (const std::string& name : echoed)
        dict.SetValue(upper(name) + "_VALUE", form->value(name));
}

Renderer::Renderer(const std::string& dir, const std::vector<std::string>& content_templates,
                   const std::vector<std::string>& text_templates) {
    ctemplate::TemplateCache* cache = ctemplate::mutable_default_template_cache();
    cache->SetTemplateRootDirectory(dir);
    std::vector<std::string> names = content_templates;
    names.push_back(kLayoutTemplate);
    names.push_back(kErrorTemplate);
    for (const std::string& name : names) {
        if (!cache->LoadTemplate(name, kStrip)) {
            throw std::runtime_error("cannot load template " + dir + "/" + name);
        }
    }
    for (const std::string& name : text_templates) {
        if (!cache->LoadTemplate(name, ctemplate::DO_NOT_STRIP))
            throw std::runtime_error("cannot load template " + dir + "/" + name);
    }
    cache->Freeze();
}

std::string Renderer::render_text(const std::string& name,
                                  const ctemplate::TemplateDictionary& values) const {
    std::string text;
    if (!ctemplate::ExpandTemplate(name, ctemplate::DO_NOT_STRIP, &values, &text))
        throw std::runtime_error("cannot expand template " + name);
    return text;
}

std::string Renderer::render(Page& page, const Identity& identity,
                             const std::vector<std::string>& flashes) const {
    ctemplate::TemplateDictionary& layout = page.layout();
    layout.SetValue("TITLE", page.title());
    if (identity.signed_in()) {
        ctemplate::TemplateDictionary* user = layout.AddSectionDictionary("SIGNED_IN");
        user->SetValue("CSRF_TOKEN", identity.csrf_token);
    } else {
        layout.ShowSection("VISITOR");
    }
    if (!flashes.empty()) {
        ctemplate::TemplateDictionary* list = layout.AddSectionDictionary("FLASHES");
        for (const std::string& message : flashes) {
            list->AddSectionDictionary("FLASH")->SetValue("MESSAGE", message);
        }
    }
    std::string html;
    // ExpandTemplate can write part of a page before failing: such output is never sent.
    if (!ctemplate::ExpandTemplate(kLayoutTemplate, kStrip, &layout, &html)) {
        throw std::runtime_error("cannot expand template for page " + page.title());
    }
    return html;
}

}  // namespace microblog
