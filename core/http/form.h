// A form's fields, checked the same way on every route before the route looks at them:
// valid UTF-8, no control characters (NUL included), trimmed and within a length. A field
// with bad bytes keeps an error message and an empty value, so they are never echoed back; an
// over-long one keeps its text, so the visitor can shorten it instead of typing it again.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace microblog {

struct FieldRule {
    enum class Unit { kCharacters, kBytes };
    std::string name;
    size_t max_length;
    Unit unit = Unit::kCharacters;
    bool trim = true;  // passwords are not trimmed: every character counts
    // A field that only hints (where to go next): a bad value is dropped without an error, so
    // it never holds up the form it rides along with.
    bool drop_when_bad = false;
};

class Form {
  public:
    Form() = default;
    // `fields` as sent (a request's, or microblog-admin's arguments and prompts, so an account
    // made there meets the rules of the registration form), checked against `rules`; fields
    // without a rule are left out.
    Form(const std::map<std::string, std::string>& fields, const std::vector<FieldRule>& rules);

    // The checked value ("" when absent or not valid text). Act on values only when valid().
    // Throws std::logic_error for a name no rule declared: a misspelt field fails every time,
    // not silently.
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
