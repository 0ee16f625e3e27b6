// Checking form fields against their rules.
#include "core/http/form.h"

#include <cctype>
#include <stdexcept>
#include <string_view>

#include "core/http/utf8.h"

namespace microblog {
namespace {

std::string trim_spaces(const std::string& s) {
    size_t begin = s.find_first_not_of(' ');
    if (begin == std::string::npos)
        return "";
    return s.substr(begin, s.find_last_not_of(' ') - begin + 1);
}

}  // namespace

Form::Form(const std::map<std::string, std::string>& fields, const std::vector<FieldRule>& rules) {
    for (const FieldRule& rule : rules) {
        auto field = fields.find(rule.name);
        check(rule, field == fields.end() ? "" : field->second);
    }
}

void Form::check(const FieldRule& rule, const std::string& raw) {
    if (rule.drop_when_bad) {
        Form alone;
        alone.check(FieldRule{rule.name, rule.max_length, rule.unit, rule.trim}, raw);
        values_[rule.name] = alone.valid() ? alone.value(rule.name) : "";
        return;
    }
    if (!is_valid_utf8(raw) || has_control_characters(raw)) {
        add_error(rule.name, "This field contains characters that are not allowed.");
        values_[rule.name] = "";
        return;
    }
    std::string value = rule.trim ? trim_spaces(raw) : raw;
    bool bytes = rule.unit == FieldRule::Unit::kBytes;
    size_t length = bytes ? value.size() : *utf8_length(value);
    if (length > rule.max_length) {
        add_error(rule.name, "Field cannot be longer than " + std::to_string(rule.max_length) +
                                 (bytes ? " bytes." : " characters."));
    }
    values_[rule.name] = std::move(value);
}

const std::string& Form::value(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end())
        throw std::logic_error("the form has no field \"" + name + "\" declared");
    return it->second;
}

void Form::require(const std::string& name) {
    if (trim_spaces(value(name)).empty())
        add_error(name, "This field is required.");
}

void Form::add_error(const std::string& name, const std::string& message) {
    errors_.emplace(name, message);
}

const std::string* Form::error(const std::string& name) const {
    auto it = errors_.find(name);
    return it == errors_.end() ? nullptr : &it->second;
}

bool is_email_address(const std::string& text) {
    size_t at = text.find('@');
    if (at == std::string::npos || at == 0 || at > 64 ||
        text.find('@', at + 1) != std::string::npos) {
        return false;
    }
    std::string local = text.substr(0, at);
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string::npos)
        return false;
    for (unsigned char c : local) {
        if (c <= ' ' || std::string_view("()<>[]:;,\\\"").find(char(c)) != std::string_view::npos)
            return false;
    }
    std::string domain = text.substr(at + 1);
    size_t labels = 0;
    size_t start = 0;
    while (start <= domain.size()) {
        size_t end = domain.find('.', start);
        if (end == std::string::npos)
            end = domain.size();
        std::string label = domain.substr(start, end - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
            return false;
        for (unsigned char c : label) {
            if (c < 0x80 && !std::isalnum(c) && c != '-')
                return false;
        }
        ++labels;
        start = end + 1;
    }
    return labels >= 2;
}

}  // namespace microblog
