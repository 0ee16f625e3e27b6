// microblog-admin: what its command files share. main.cpp parses the command line and calls one
// of the commands below; each returns the exit status.
#pragma once

#include <unistd.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/server/config.h"

namespace microblog::admin {

// Exit statuses, as --help documents them for scripts.
inline constexpr int kSuccess = 0;
inline constexpr int kFailure = 1;
inline constexpr int kUsage = 2;

// The command was called wrongly (exit status 2); anything else thrown is a failure (1).
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct Invocation {
    std::string config_path = "/etc/microblog/microblog.conf";
    std::string sql_dir;  // empty: default_sql_dir()
    bool yes = false;
    std::vector<std::string> arguments;  // after the command's name
};

// "microblog-admin: MESSAGE" on stderr: every message for people goes there, so stdout carries
// only data.
void say(const std::string& message);

// The configuration, or std::runtime_error saying which file failed and why.
Config load_configuration(const Invocation& invocation);

// --sql-dir, else the sql/ folder beside the program's bin/ (a release), else the source tree's.
std::string sql_dir(const Invocation& invocation);

// A new password: typed twice at a terminal without echo (first, second), or when standard
// input is not a terminal, its first line given as both. Throws when nothing could be read.
std::pair<std::string, std::string> read_new_password(const std::string& username);

// Asks `question` on the terminal; true when the answer is yes.
bool confirm(const std::string& question);

// A file descriptor, closed when this goes out of scope.
class UniqueFd {
  public:
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() {
        if (fd_ >= 0)
            close(fd_);
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

// The status code of a GET of an http:// or https:// URL (TLS without verifying the
// certificate), each step waiting at most `timeout` seconds; 0 with `error` set when there is
// no answer.
int http_get_status(const std::string& url, unsigned timeout, std::string& error);

int create_user(const Invocation& invocation);
int set_password(const Invocation& invocation);
int list_users(const Invocation& invocation);
int delete_user(const Invocation& invocation);
int end_sessions(const Invocation& invocation);
int reset_two_factor(const Invocation& invocation);
int migrate(const Invocation& invocation);
int check(const Invocation& invocation);
int mail_queue(const Invocation& invocation);
int send_test_mail(const Invocation& invocation);

// The sql/NNN_*.sql migrations of a folder, in the order they apply.
struct Migration {
    std::string version;  // the file name without .sql, as schema_migrations records it
    std::string path;
};

// Throws std::runtime_error for a folder without migrations, a file name outside
// [A-Za-z0-9_-], or two files with one number.
std::vector<Migration> find_migrations(const std::string& dir);

}  // namespace microblog::admin
