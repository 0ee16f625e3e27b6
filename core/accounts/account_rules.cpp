// The checks of a new account, in the order their messages take precedence (Form keeps the
// first message of each field).
#include "core/accounts/account_rules.h"

namespace microblog {

const PasswordPolicy& password_policy() {
    // Made on first use; when that throws, the next call tries again.
    static const PasswordPolicy policy;
    return policy;
}

void check_new_names(Form& form, UserStore& users) {
    form.require("username");
    form.require("email");
    if (!form.error("email") && !is_email_address(form.value("email")))
        form.add_error("email", "Invalid email address.");
    if (!form.error("username") && users.username_taken(form.value("username")))
        form.add_error("username", "Please use a different username.");
    if (!form.error("email") && users.email_taken(form.value("email")))
        form.add_error("email", "Please use a different email address.");
}

void check_new_password(Form& form, const PasswordPolicy& policy, const std::string& username) {
    form.require("password");
    form.require("password2");
    if (!form.error("password")) {
        if (std::optional<std::string> refusal = policy.check(form.value("password"), username))
            form.add_error("password", *refusal);
    }
    if (form.value("password2") != form.value("password"))
        form.add_error("password2", "Field must be equal to password.");
}

void check_new_password(Form& form, const PasswordPolicy& policy) {
    check_new_password(form, policy, form.value("username"));
}

}  // namespace microblog
