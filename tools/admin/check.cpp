// check: whether this host's Microblog is whole, one "ok: ..." or "FAIL: ..." line per part:
// the configuration, the database and its schema, each route program's socket, and a page
// through nginx.
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <set>
#include <sstream>
#include <vector>

#include "admin.h"
#include "core/db/database.h"

namespace microblog::admin {
namespace {

// Space-separated, from deploy/lib/routes.sh (CMakeLists.txt).
std::vector<std::string> routes() {
    std::vector<std::string> names;
    std::istringstream words(MICROBLOG_ROUTES);
    for (std::string name; words >> name;)
        names.push_back(name);
    return names;
}

class Report {
  public:
    void line(bool ok, const std::string& what) {
        std::cout << (ok ? "ok: " : "FAIL: ") << what << std::endl;
        failed_ = failed_ || !ok;
    }
    bool failed() const { return failed_; }

  private:
    bool failed_ = false;
};

void check_database(const Config& config, const std::string& migrations_dir, Report& report) {
    Database db(config);
    try {
        db.connect();
    } catch (const std::exception& e) {
        report.line(false, e.what());
        return;
    }
    report.line(true, "the database " + config.db_name + " answers as " + config.db_user);
    try {
        std::set<std::string> applied;
        for (const Row& row :
             db.execute(db.prepare("SELECT version FROM schema_migrations"), {}).rows)
            applied.insert(row.at(0).value_or(""));
        std::string pending;
        std::vector<Migration> migrations = find_migrations(migrations_dir);
        for (const Migration& migration : migrations) {
            if (applied.count(migration.version) == 0)
                pending += (pending.empty() ? "" : ", ") + migration.version;
        }
        if (pending.empty()) {
            report.line(true, "the schema has every migration of " + migrations_dir);
        } else {
            report.line(false, "the schema lacks " + pending + "; run microblog-admin migrate");
        }
    } catch (const std::exception& e) {
        report.line(false, std::string("the schema cannot be checked: ") + e.what());
    }
}

// "" when a connection to the unix socket at `path` is accepted, else why not.
std::string try_unix_socket(const std::string& path, unsigned timeout) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path)
        return "the path is too long for a socket";
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0)
        return std::strerror(errno);
    // A unix socket's connect waits this long when the program's queue is full.
    timeval limit{static_cast<time_t>(timeout), 0};
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        return std::strerror(errno);
    return "";
}

void check_sockets(const Config& config, Report& report) {
    if (config.socket_dir.empty()) {
        say("the configuration sets no socket_dir, so the route programs were not tried");
        return;
    }
    for (const std::string& route : routes()) {
        std::string path = config.socket_dir + "/" + route + ".sock";
        std::string error = try_unix_socket(path, config.db_timeout_seconds);
        if (error.empty()) {
            report.line(true, std::string(route) + " accepts connections on " + path);
        } else {
            report.line(false, std::string(route) + ": " + path + ": " + error + " (is the " +
                                   route + " program running?)");
        }
    }
}

void check_site(const Config& config, Report& report) {
    if (config.site_url.empty()) {
        say("the configuration sets no site_url, so no page was fetched through nginx");
        return;
    }
    std::string page = config.site_url;
    while (!page.empty() && page.back() == '/')
        page.pop_back();
    page += "/login";
    std::string error;
    int status = http_get_status(page, config.db_timeout_seconds, error);
    if (status == 200) {
        report.line(true, page + " answers 200");
    } else if (status != 0) {
        report.line(false, page + " answers " + std::to_string(status) + " instead of 200");
    } else {
        report.line(false, page + ": " + error);
    }
}

}  // namespace

int check(const Invocation& invocation) {
    Report report;
    Config config;
    try {
        config = load_configuration(invocation);
    } catch (const std::exception& e) {
        report.line(false, e.what());
        return kFailure;
    }
    report.line(true, "the configuration " + invocation.config_path + " loads");
    check_database(config, sql_dir(invocation), report);
    check_sockets(config, report);
    check_site(config, report);
    return report.failed() ? kFailure : kSuccess;
}

}  // namespace microblog::admin
