// The checks of a new account, in the order their messages take precedence (Form keeps the
// first message of each field).
#include "account_rules.h"

#include <errno.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace microblog {
namespace {

// The policy, or a message on stderr and exit status 1. This runs before main() (see below),
// when log.cpp's program name may not be constructed yet, so it writes its line itself.
std::unique_ptr<const PasswordPolicy> start_policy() {
    try {
        return std::make_unique<const PasswordPolicy>();
    } catch (const std::exception& e) {
        std::string line = std::string(program_invocation_short_name) + "[" +
                           std::to_string(getpid()) + "]: cannot check new passwords, so not " +
                           "starting: " + e.what() + "\n";
        ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
        (void)ignored;
        std::exit(EXIT_FAILURE);
    }
}

// Made while the program starts, before main(): once per process, before a route program forks
// its workers (who share it), and a missing dictionary stops the program there rather than at
// the first registration.
[[maybe_unused]] const PasswordPolicy& started_policy = password_policy();

}  // namespace

const PasswordPolicy& password_policy() {
    static const std::unique_ptr<const PasswordPolicy> policy = start_policy();
    return *policy;
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

void check_new_password(Form& form, const std::string& username) {
    form.require("password");
    form.require("password2");
    if (!form.error("password")) {
        if (std::optional<std::string> refusal =
                password_policy().check(form.value("password"), username))
            form.add_error("password", *refusal);
    }
    if (form.value("password2") != form.value("password"))
        form.add_error("password2", "Field must be equal to password.");
}

void check_new_password(Form& form) {
    check_new_password(form, form.value("username"));
}

}  // namespace microblog
