// A form's fields, checked the same way on every route before the route looks at them:
// valid UTF-8, no control characters (NUL included), trimmed and within a length. A field
// with bad bytes keeps an error message and an empty value, so they are never echoed back; an
// over-long one keeps its text, so the visitor can shorten it instead of typing it again.
#pragma once

#include <initializer_list>
#include <map>
#include <string>

#include "core/http/request.h"

namespace microblog {

struct FieldRule {
    enum class Unit { kCharacters, kBytes };
    std::string name;
    size_t max_length;
    Unit unit = Unit::kCharacters;
    bool trim = true;  // passwords are not trimmed: every character counts
};

class Form {
  public:
    Form(const Request& request, std::initializer_list<FieldRule> rules);
    // The same checks for fields that do not come from a request (microblog-admin's arguments
    // and prompts), so an account made there meets the rules of the registration form.
    Form(const std::map<std::string, std::string>& fields, std::initializer_list<FieldRule> rules);

    // The checked value ("" when absent or not valid text). Act on values only when valid().
    const std::string& value(const std::string& name) const;
    bool checked(const std::string& name) const { return !value(name).empty(); }

    // Adds "This field is required." when the field is blank after trimming spaces.
    void require(const std::string& name);
    // Records a message for `name`; the first message for a field wins.
    void add_error(const std::string& name, const std::string& message);
    const std::string* error(const std::string& name) const;
    bool valid() const { return errors_.empty(); }

  private:
    void check(const FieldRule& rule, const std::string& raw);

    std::map<std::string, std::string> values_;
    std::map<std::string, std::string> errors_;
};

// A plausible address: one '@', a non-empty local part without spaces, and a domain of at
// least two dot-separated labels of letters, digits and hyphens (non-ASCII allowed). The
// mailbox's existence is not checkable here; this catches typing mistakes.
bool is_email_address(const std::string& text);

}  // namespace microblog
