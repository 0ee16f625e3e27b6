// The commands that act on accounts: create-user, set-password, list-users, delete-user,
// end-sessions and reset-two-factor. They connect as the application's account (db_user), which may
// change rows but not the schema: nothing more is needed here.
#include <unistd.h>

#include <iostream>
#include <map>
#include <optional>

#include "admin.h"
#include "core/accounts/account_rules.h"
#include "core/accounts/events.h"
#include "core/accounts/password.h"
#include "core/accounts/password_resets.h"
#include "core/accounts/throttle.h"
#include "core/accounts/users.h"
#include "core/db/database.h"
#include "core/server/log.h"

namespace microblog::admin {
namespace {

// What the messages call each field of a new account.
const std::map<std::string, std::string> kFieldLabels = {{"username", "username"},
                                                         {"email", "email"},
                                                         {"password", "password"},
                                                         {"password2", "repeated password"}};

// Says each of the form's errors; true when there was one.
bool report_errors(const Form& form, const std::vector<std::string>& fields) {
    for (const std::string& field : fields) {
        if (const std::string* error = form.error(field))
            say(kFieldLabels.at(field) + ": " + *error);
    }
    return !form.valid();
}

// The password typed (twice on a terminal), checked by the registration form's rules;
// nothing when it breaks one (the reason has been said).
std::optional<std::string> new_password(const std::string& username) {
    auto [first, second] = read_new_password(username);
    std::map<std::string, std::string> typed = {{"password", first}, {"password2", second}};
    Form form(typed, {kPasswordRule, kPassword2Rule});
    check_new_password(form, password_policy(), username);
    if (report_errors(form, {"password", "password2"}))
        return std::nullopt;
    return form.value("password");
}

// The statements the commands add to UserStore's.
struct AccountStatements {
    explicit AccountStatements(Database& db)
        : list(db.prepare(
              "SELECT u.id, u.username, u.email, COUNT(s.token_hash) FROM users u "
              "LEFT JOIN sessions s ON s.user_id = u.id AND s.expires_at > UTC_TIMESTAMP() "
              "GROUP BY u.id, u.username, u.email ORDER BY u.id")),
          count_posts(db.prepare("SELECT COUNT(*) FROM posts WHERE user_id = ?")),
          count_live_sessions(db.prepare("SELECT COUNT(*) FROM sessions WHERE user_id = ? AND "
                                         "expires_at > UTC_TIMESTAMP()")),
          delete_sessions(
              db.prepare("DELETE FROM sessions WHERE user_id = ?", Database::Repeatable::kYes)),
          delete_posts(db.prepare("DELETE FROM posts WHERE user_id = ?")),
          delete_user(db.prepare("DELETE FROM users WHERE id = ?")),
          delete_two_factor(db.prepare("DELETE FROM two_factor WHERE user_id = ?")),
          delete_recovery_codes(db.prepare("DELETE FROM recovery_codes WHERE user_id = ?")),
          delete_pending_sign_ins(db.prepare("DELETE FROM pending_sign_ins WHERE user_id = ?")) {}

    Database::StatementId list;
    Database::StatementId count_posts;
    Database::StatementId count_live_sessions;
    Database::StatementId delete_sessions;
    Database::StatementId delete_posts;
    Database::StatementId delete_user;
    Database::StatementId delete_two_factor;
    Database::StatementId delete_recovery_codes;
    Database::StatementId delete_pending_sign_ins;
};

// Everything a command needs, connected as the application.
struct Accounts {
    explicit Accounts(const Invocation& invocation)
        : config(load_configuration(invocation)), db(config), users(db), statements(db) {}

    // The user, or std::runtime_error (exit status 1) when there is none by that name.
    User find(const std::string& username) {
        std::optional<User> user = users.find_by_username(username);
        if (!user)
            throw std::runtime_error("no user named " + username +
                                     " (microblog-admin list-users shows them)");
        return *user;
    }

    unsigned long long count(Database::StatementId statement, long long user_id) {
        return std::stoull(db.execute(statement, {user_id}).rows.at(0).at(0).value_or("0"));
    }

    Config config;
    Database db;
    UserStore users;
    AccountStatements statements;
};

std::string plural(unsigned long long n, const std::string& noun) {
    return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

}  // namespace

int create_user(const Invocation& invocation) {
    Accounts accounts(invocation);
    std::map<std::string, std::string> given = {{"username", invocation.arguments.at(0)},
                                                {"email", invocation.arguments.at(1)}};
    Form names(given, {kUsernameRule, kEmailRule});
    // Before the prompt, so nobody types a password for an account that cannot be made.
    check_new_names(names, accounts.users);
    if (report_errors(names, {"username", "email"}))
        return kFailure;
    const std::string& username = names.value("username");
    std::optional<std::string> password = new_password(username);
    if (!password)
        return kFailure;
    PasswordHasher hasher(accounts.config.password_cost);
    long long id = 0;
    try {
        id = accounts.users.create(username, names.value("email"), hasher.hash(*password));
    } catch (const DuplicateKey& e) {
        // Someone took the name or address while the password was being typed.
        bool email = e.key() == "users_email_key";
        say(email ? "email: Please use a different email address."
                  : "username: Please use a different username.");
        return kFailure;
    }
    say("created user " + username + " (id " + std::to_string(id) + ")");
    return kSuccess;
}

int set_password(const Invocation& invocation) {
    Accounts accounts(invocation);
    User user = accounts.find(invocation.arguments.at(0));
    std::optional<std::string> password = new_password(user.username);
    if (!password)
        return kFailure;
    std::string hash = PasswordHasher(accounts.config.password_cost).hash(*password);
    unsigned long long ended = 0;
    // Together, so the old password's sessions cannot outlive the change.
    LoginThrottle throttle(accounts.db, accounts.config);
    PasswordResets resets(accounts.db, accounts.config);
    accounts.db.transaction([&] {
        accounts.users.update_password_hash(user.id, hash);
        ended = accounts.db.execute(accounts.statements.delete_sessions, {user.id}).affected_rows;
        // The owner, locked out by someone's guesses, can sign in with the new password at once.
        throttle.reset(user.username);
        // A reset link mailed before the change must not undo it.
        resets.void_all(user.id);
    });
    // The security log's line for it (core/accounts/events.h), beside the message for the operator.
    set_log_name("microblog-admin");
    log_line("password changed user=" + quoted_for_log(user.username) + " by=microblog-admin");
    say("changed the password of " + user.username + " and ended " + plural(ended, "session") +
        " (signed out everywhere)");
    return kSuccess;
}

int list_users(const Invocation& invocation) {
    Accounts accounts(invocation);
    Result result = accounts.db.execute(accounts.statements.list, {});
    for (const Row& row : result.rows) {
        std::cout << row.at(0).value_or("") << "\t" << row.at(1).value_or("") << "\t"
                  << row.at(2).value_or("") << "\t" << row.at(3).value_or("0") << "\n";
    }
    return kSuccess;
}

int delete_user(const Invocation& invocation) {
    Accounts accounts(invocation);
    User user = accounts.find(invocation.arguments.at(0));
    std::string what =
        "user " + user.username + " (id " + std::to_string(user.id) + ") with " +
        plural(accounts.count(accounts.statements.count_posts, user.id), "post") + " and " +
        plural(accounts.count(accounts.statements.count_live_sessions, user.id), "live session");
    if (!invocation.yes) {
        if (!isatty(STDIN_FILENO))
            throw UsageError(
                "delete-user asks before deleting, and standard input is not a "
                "terminal; add --yes to delete without asking");
        if (!confirm("Delete " + what + "?")) {
            say("nothing deleted");
            return kFailure;
        }
    }
    accounts.db.transaction([&] {
        accounts.db.execute(accounts.statements.delete_sessions, {user.id});
        accounts.db.execute(accounts.statements.delete_posts, {user.id});
        if (accounts.db.execute(accounts.statements.delete_user, {user.id}).affected_rows == 0)
            throw std::runtime_error("user " + user.username + " was deleted meanwhile");
    });
    say("deleted " + what);
    return kSuccess;
}

int end_sessions(const Invocation& invocation) {
    Accounts accounts(invocation);
    User user = accounts.find(invocation.arguments.at(0));
    unsigned long long ended =
        accounts.db.execute(accounts.statements.delete_sessions, {user.id}).affected_rows;
    say("ended " + plural(ended, "session") + " of " + user.username + " (signed out everywhere)");
    return kSuccess;
}

int reset_two_factor(const Invocation& invocation) {
    Accounts accounts(invocation);
    User user = accounts.find(invocation.arguments.at(0));
    unsigned long long removed = 0;
    accounts.db.transaction([&] {
        accounts.db.execute(accounts.statements.delete_recovery_codes, {user.id});
        accounts.db.execute(accounts.statements.delete_pending_sign_ins, {user.id});
        removed =
            accounts.db.execute(accounts.statements.delete_two_factor, {user.id}).affected_rows;
    });
    log_line("two-factor reset user=" + quoted_for_log(user.username) + " by=microblog-admin");
    say(removed == 0 ? user.username + " had no two-factor sign-in; nothing changed"
                     : "turned off two-factor sign-in for " + user.username +
                           " (recovery codes deleted); they sign in with the password alone");
    return kSuccess;
}

}  // namespace microblog::admin
