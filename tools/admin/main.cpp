// microblog-admin: the operator's command for one Microblog host. This file reads the command
// line, prints the help and dispatches to the commands (user_commands.cpp, migrate.cpp,
// check.cpp, mail_commands.cpp).
#include <algorithm>
#include <cctype>
#include <iostream>
#include <set>

#include "admin.h"

using namespace microblog::admin;

namespace {

struct Command {
    const char* name;
    const char* arguments;  // as the usage line shows them
    const char* summary;
    const char* details;
    size_t argument_count;
    std::set<std::string> options;  // beyond --config and --help
    int (*run)(const Invocation&);
};

const char kPasswordPrompt[] =
    "The password is never taken from the command line: at a terminal it is typed twice, not\n"
    "shown; otherwise the first line of standard input is the password (so a script can pipe\n"
    "it). The registration form's rules apply: at most 1024 bytes, no control characters.\n";

const Command kCommands[] = {
    {"create-user",
     "USERNAME EMAIL",
     "add an account (the password is prompted)",
     "Adds an account, as the registration form would: the same limits (username up to 64\n"
     "characters, email up to 120), a plausible email address, and a username and address not\n"
     "taken in any letter case. The password is hashed like every other, at password_cost.\n",
     2,
     {},
     create_user},
    {"set-password",
     "USERNAME",
     "replace a user's password and sign them out everywhere",
     "Replaces the user's password, and ends all of their sessions in the same transaction: a\n"
     "password change signs out every device, so whoever knew the old password is out too.\n"
     "A sign-in lock from repeated failures (throttle_failures) is lifted as well.\n",
     1,
     {},
     set_password},
    {"list-users",
     "",
     "one line per user: id, username, email, live sessions",
     "Prints one line per user, by id, with four tab-separated fields: id, username, email\n"
     "and the number of live (unexpired) sessions. Example: microblog-admin list-users | cut -f2\n",
     0,
     {},
     list_users},
    {"delete-user",
     "USERNAME [--yes]",
     "delete a user with their posts and sessions",
     "Deletes the user with all their posts and sessions, in one transaction. At a terminal it\n"
     "asks first; --yes (-y) deletes without asking, and is required when standard input is\n"
     "not a terminal.\n",
     1,
     {"--yes"},
     delete_user},
    {"end-sessions",
     "USERNAME",
     "sign a user out everywhere at once",
     "Deletes every session of the user: each of their browsers is signed out on its next\n"
     "request. Their password stays as it is.\n",
     1,
     {},
     end_sessions},
    {"reset-two-factor",
     "USERNAME",
     "turn off two-factor sign-in for a user who lost their device",
     "Turns off the user's two-factor sign-in: deletes their secret, their recovery codes and\n"
     "any sign-in waiting for a code. They sign in with their password alone, and can set it\n"
     "up again on /account/two-factor.\n",
     1,
     {},
     reset_two_factor},
    {"migrate",
     "[--sql-dir DIR]",
     "apply the schema migrations not applied yet",
     "Applies the DIR/NNN_name.sql files not yet recorded in schema_migrations, in order, and\n"
     "records each; prints \"migrate: applied NNN_name\" per file, or \"migrate: up to date\".\n"
     "Two files with one number, or a name outside [A-Za-z0-9_-], stop it before anything\n"
     "runs. It connects as db_admin_user over db_socket without a password (MariaDB's\n"
     "unix_socket authentication), so run it as the operating-system user of that name. Runs\n"
     "started at once on several hosts apply each migration once: each waits (up to 60 s) for\n"
     "the MariaDB lock microblog_migrations. A failing file stops the run unrecorded; DDL is\n"
     "not transactional in MariaDB, so look at what it did before running again.\n"
     "DIR defaults to sql/ beside the program's bin/ folder, else the source tree's sql/.\n",
     0,
     {"--sql-dir"},
     migrate},
    {"check",
     "[--sql-dir DIR]",
     "check configuration, database, route programs and site",
     "Prints \"ok: ...\" or \"FAIL: ...\" for each of: the configuration loads; the database\n"
     "answers as db_user and has every migration of DIR (as for migrate); each route's socket\n"
     "socket_dir/ROUTE.sock accepts a connection; site_url/login answers 200 through nginx (an\n"
     "https:// site_url is fetched without verifying its certificate). An empty socket_dir or\n"
     "site_url skips its part. Exits 1 when anything failed. Each step waits at most\n"
     "db_timeout_seconds.\n",
     0,
     {"--sql-dir"},
     check},
    {"mail-queue",
     "",
     "one line per mail waiting or failed in the outbox",
     "Prints one line per mail of the outbox that is waiting to be sent or failed, by id, with\n"
     "eight tab-separated fields: id, kind, recipient, state (waiting or failed), attempts,\n"
     "created, next attempt (UTC) and the last error. Sent mail is not listed. A waiting mail\n"
     "is sent by microblog-mailer; a failed one is kept for 7 days, then deleted.\n",
     0,
     {},
     mail_queue},
    {"send-test-mail",
     "ADDRESS",
     "send a test mail now through the configured transport",
     "Composes a test message from mail_from to ADDRESS and delivers it at once through\n"
     "mail_transport (smtp: smtp_host, smtp_port, smtp_tls, smtp_user; file: mail_dir), not\n"
     "through the outbox. Says whether it was delivered, and why not; exits 1 when it was\n"
     "not. Waits at most mail_send_timeout_seconds.\n",
     1,
     {},
     send_test_mail},
};

const char kExitStatuses[] =
    "Exit status: 0 success; 1 failure (including no such user, a refused name or password,\n"
    "a failed check); 2 usage error (unknown command or option, wrong arguments).\n";

std::string usage_line(const Command& command) {
    std::string line = std::string(command.name);
    if (*command.arguments != '\0')
        line += std::string(" ") + command.arguments;
    return line;
}

void print_overview() {
    std::cout
        << "usage: microblog-admin [--config FILE] COMMAND [ARGUMENTS]\n"
           "       microblog-admin COMMAND --help\n\n"
           "Administers the Microblog of this host. Reads the configuration file the route\n"
           "programs read, and acts on their database as db_user (migrate: db_admin_user).\n\n"
           "Commands:\n";
    for (const Command& command : kCommands) {
        std::string usage = usage_line(command);
        usage.resize(std::max<size_t>(usage.size() + 1, 33), ' ');
        std::cout << "  " << usage << command.summary << "\n";
    }
    std::cout << "\nOptions:\n"
                 "  --config FILE   the configuration (default /etc/microblog/microblog.conf)\n"
                 "  --help, -h      this help; after a command, that command's help\n\n"
              << kPasswordPrompt << "\n"
              << kExitStatuses << "Messages go to standard error; data to standard output.\n";
}

void print_help(const Command& command) {
    std::string summary = command.summary;
    summary[0] = char(std::toupper(static_cast<unsigned char>(summary[0])));
    std::cout << "usage: microblog-admin [--config FILE] " << usage_line(command) << "\n\n"
              << summary << ".\n\n"
              << command.details;
    if (command.run == create_user || command.run == set_password)
        std::cout << "\n" << kPasswordPrompt;
    std::cout << "\n" << kExitStatuses;
}

const Command* find_command(const std::string& name) {
    for (const Command& command : kCommands) {
        if (name == command.name)
            return &command;
    }
    return nullptr;
}

struct CommandLine {
    std::string command;
    bool help = false;
    std::set<std::string> options;
    Invocation invocation;
};

// The value of an option given as "--name VALUE" or "--name=VALUE".
std::string option_value(const std::string& name, const std::string& arg, int& i, int argc,
                         char** argv) {
    if (arg.size() > name.size())
        return arg.substr(name.size() + 1);
    if (i + 1 >= argc)
        throw UsageError(name + " needs a value");
    return argv[++i];
}

// Options may come before or after the command; "--" ends them.
CommandLine parse(int argc, char** argv) {
    CommandLine line;
    std::vector<std::string> words;
    bool options_ended = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto is = [&](const std::string& name) {
            return arg == name || arg.compare(0, name.size() + 1, name + "=") == 0;
        };
        if (options_ended || arg.empty() || arg[0] != '-' || arg == "-") {
            words.push_back(arg);
        } else if (arg == "--") {
            options_ended = true;
        } else if (arg == "--help" || arg == "-h") {
            line.help = true;
        } else if (arg == "--yes" || arg == "-y") {
            line.invocation.yes = true;
            line.options.insert("--yes");
        } else if (is("--config")) {
            line.invocation.config_path = option_value("--config", arg, i, argc, argv);
        } else if (is("--sql-dir")) {
            line.invocation.sql_dir = option_value("--sql-dir", arg, i, argc, argv);
            line.options.insert("--sql-dir");
        } else {
            // Only the name: whatever follows '=' might be a password typed in the wrong place.
            throw UsageError("unknown option " + arg.substr(0, arg.find('=')));
        }
    }
    if (!words.empty()) {
        line.command = words.front();
        line.invocation.arguments.assign(words.begin() + 1, words.end());
    }
    return line;
}

void check_usage(const Command& command, const CommandLine& line) {
    for (const std::string& option : line.options) {
        if (command.options.count(option) == 0)
            throw UsageError(std::string(command.name) + " takes no " + option);
    }
    size_t given = line.invocation.arguments.size();
    if (given == command.argument_count)
        return;
    // The arguments themselves are not repeated: one of them might be a password.
    std::string message =
        std::string(command.name) + " takes " +
        (command.argument_count == 0 ? "no arguments" : std::string(command.arguments)) + ", not " +
        std::to_string(given) + " argument" + (given == 1 ? "" : "s");
    if (command.run == create_user || command.run == set_password)
        message += "; the password is prompted for, never given on the command line";
    throw UsageError(message);
}

int run(int argc, char** argv) {
    CommandLine line = parse(argc, argv);
    if (line.command == "help" && line.invocation.arguments.size() <= 1) {
        line.help = true;
        line.command = line.invocation.arguments.empty() ? "" : line.invocation.arguments[0];
    }
    if (line.command.empty()) {
        if (!line.help)
            throw UsageError("no command given");
        print_overview();
        return kSuccess;
    }
    const Command* command = find_command(line.command);
    if (command == nullptr)
        throw UsageError("unknown command " + line.command);
    if (line.help) {
        print_help(*command);
        return kSuccess;
    }
    check_usage(*command, line);
    return command->run(line.invocation);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const UsageError& e) {
        say(e.what());
        say("see microblog-admin --help");
        return kUsage;
    } catch (const std::exception& e) {
        say(e.what());
        return kFailure;
    }
}
