// The administrator's login (Database::Login) and the multi-statement scripts it alone runs.
#include "admin_database.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace microblog::admin {
namespace {

// Schema changes (microblog-admin migrate) may run for minutes; the administrator's reads and
// writes wait that long, the application's only db_timeout_seconds.
constexpr unsigned int kAdministratorIoSeconds = 3600;

// Migrations' named lock lives on one node of a Galera cluster, not the cluster: every app
// host's administrator tries the nodes in one order, whatever order its routes use, so two
// migrate runs meet on the same node and wait for each other.
std::vector<std::string> hosts_in_one_order(std::vector<std::string> hosts) {
    std::sort(hosts.begin(), hosts.end());
    return hosts;
}

}  // namespace

AdminDatabase::AdminDatabase(const Config& config)
    : Database(config,
               Login{
                   .user = config.db_admin_user,
                   // A password only for a database on another machine; read at each connect.
                   .password = [&config]() -> std::optional<std::string> {
                       std::string secret = admin_password(config);
                       if (secret.empty())
                           return std::nullopt;
                       return secret;
                   },
                   .hosts = hosts_in_one_order(config.db_hosts),
                   .min_io_timeout_seconds = kAdministratorIoSeconds,
                   .session_limits = false,
                   .client_flags = CLIENT_MULTI_STATEMENTS,
                   .session_bound = true,
               }) {}

void AdminDatabase::run_script(const std::string& sql) {
    connect();
    MYSQL* connection = this->connection();
    int status = mysql_real_query(connection, sql.data(), sql.size());
    // Each statement leaves one result, read in order; after a failing one the server runs
    // no more of the text.
    for (int number = 1;; ++number) {
        if (status != 0)
            fail_connection_call("statement " + std::to_string(number));
        MYSQL_RES* result = mysql_store_result(connection);
        if (result != nullptr) {
            mysql_free_result(result);
        } else if (mysql_field_count(connection) != 0) {
            fail_connection_call("statement " + std::to_string(number));
        }
        status = mysql_next_result(connection);
        if (status < 0)
            return;
    }
}

}  // namespace microblog::admin
