// What a new account must satisfy, whether it comes from the registration form or from
// microblog-admin: the fields' limits, required fields, a plausible email address, a password
// that meets the password policy (core/accounts/password_policy.h) typed the same twice, and a
// username and email address nobody has yet (regardless of case).
#pragma once

#include "core/accounts/password_policy.h"
#include "core/accounts/users.h"
#include "core/http/form.h"

namespace microblog {

// The users table's column widths (sql/001_create_users.sql).
inline const FieldRule kUsernameRule{"username", 64};
inline const FieldRule kEmailRule{"email", 120};
// Passwords are bytes and never trimmed: every byte counts (docs/design.md).
inline const FieldRule kPasswordRule{"password", 1024, FieldRule::Unit::kBytes, false};
inline const FieldRule kPassword2Rule{"password2", 1024, FieldRule::Unit::kBytes, false};

// Checks the form's "username" and "email": given, the address plausible, neither taken. Only a
// field without an error so far is looked up in the database.
void check_new_names(Form& form, UserStore& users);

// Checks the form's "password" and "password2": both given, the password allowed by the
// `policy` for the account named `username` (may be empty), and the two equal.
void check_new_password(Form& form, const PasswordPolicy& policy, const std::string& username);
// The same for the account named by the form's own "username" field, if it has one.
void check_new_password(Form& form, const PasswordPolicy& policy);

// The policy every new password meets, set up on first use: throws std::runtime_error when the
// password word list is missing. A route reaches it through AppWith<kNeedsPasswordPolicy>, whose
// program makes it at start, before forking.
const PasswordPolicy& password_policy();

}  // namespace microblog
