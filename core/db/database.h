// The worker's one MariaDB connection and its prepared statements. Statements are registered
// once at process start and (re)prepared whenever the connection is (re)opened; every call is
// bounded by the configured connect/read/write timeouts.
#pragma once

#include <mysql.h>

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/server/config.h"

namespace microblog {

// The database cannot be reached: the request gets a 503 page, not a stack trace.
// `already_logged`: the failure behind it was logged when it happened (a worker waiting out
// kReconnectInterval answers every request with it, and must not flood the log).
class DatabaseUnavailable : public std::runtime_error {
  public:
    explicit DatabaseUnavailable(const std::string& message, bool already_logged = false)
        : std::runtime_error(message), already_logged_(already_logged) {}
    bool already_logged() const { return already_logged_; }

  private:
    bool already_logged_;
};

// The database answers but gave up on the statement: a lock wait or the statement's time limit
// ran out. The request gets a 503 page all the same; housekeeping skips the statement.
class DatabaseBusy : public DatabaseUnavailable {
  public:
    using DatabaseUnavailable::DatabaseUnavailable;
};

// InnoDB rolled the whole transaction back to end a deadlock (or, on Galera, a write conflict
// with another node): transaction() runs its work again.
class TransactionRolledBack : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// An INSERT or UPDATE hit a unique key; `key()` names the index (e.g. users_email_key).
class DuplicateKey : public std::runtime_error {
  public:
    DuplicateKey(const std::string& message, std::string key)
        : std::runtime_error(message), key_(std::move(key)) {}
    const std::string& key() const { return key_; }

  private:
    std::string key_;
};

// A parameter: NULL, an integer, text, or raw bytes (for BINARY columns).
struct Bytes {
    std::string data;
};
using Value = std::variant<std::nullptr_t, long long, std::string, Bytes>;
using Row = std::vector<std::optional<std::string>>;

struct Result {
    std::vector<Row> rows;
    unsigned long long affected_rows = 0;
    unsigned long long insert_id = 0;
};

// For a column of the row `handle` has just fetched that was longer than its buffer: all
// `length` bytes of it, fetched again as `bind` says into a buffer that fits. Declared here for
// its test; throws std::runtime_error when Connector/C cannot fetch it.
std::string fetch_whole_column(MYSQL_STMT* handle, const MYSQL_BIND& bind, unsigned int column,
                               unsigned long length);

class Database {
  public:
    using StatementId = size_t;

    // Connects as the application's account (db_user), which may read and change rows.
    explicit Database(const Config& config);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Whether running a statement twice has the same effect as running it once. kInsertOnce:
    // an INSERT whose unique keys all come from its parameters (a random token, say); run
    // again after a lost connection, a duplicate key then means the first run had landed.
    enum class Repeatable { kNo, kYes, kInsertOnce };

    // Registers a statement; prepared now if connected, else at the next connect. SELECTs are
    // repeatable; say so for other statements that are (a DELETE, an UPDATE to a fixed value).
    StatementId prepare(std::string sql, Repeatable repeatable = Repeatable::kNo);
    // Runs a statement, connecting first if needed. A dropped connection is reopened and the
    // statement retried once when that cannot change the outcome: it is repeatable, or the
    // server never got it; but never inside a transaction or on a session-bound connection (the
    // administrator's, tools/admin/admin_database.h), whose state a new connection would lack.
    // Throws DatabaseUnavailable, DuplicateKey, or std::runtime_error.
    Result execute(StatementId id, const std::vector<Value>& params);
    // Runs a housekeeping statement (a sweep of expired rows) that the request's answer does not
    // depend on: when it fails (a lock wait with another worker's sweep, or a write conflict
    // with one on another Galera node) it is logged as `what` and skipped, since the next sweep
    // does its work. A database that is gone still throws DatabaseUnavailable, and inside a
    // transaction every failure is thrown.
    void housekeep(StatementId id, const std::vector<Value>& params, std::string_view what);
    // Opens the connection now (workers do this at start); throws DatabaseUnavailable.
    void connect();

    // Runs `work` in one transaction: committed when it returns, rolled back when it throws.
    // A connection lost inside it is not reopened, since the transaction went with it.
    // When InnoDB rolls it back to end a deadlock (or Galera for a conflict with another node),
    // `work` runs again, twice at most, then DatabaseBusy: so `work` assigns
    // what it finds out rather than adding to it.
    //
    // Who owns a transaction: the code that makes one whole change, a route's handler or an
    // admin command, opens it around every store call the change needs. Stores (users,
    // sessions, two-factor, ...) never open one, so any of their calls can join a caller's.
    // A transaction inside a transaction throws std::logic_error before anything is sent:
    // MariaDB would silently commit the outer one at the second START TRANSACTION.
    void transaction(const std::function<void()>& work);

  protected:
    // How a connection logs in and behaves, for an account other than the application's (the
    // administrator's: tools/admin/admin_database.h). The page programs use only the
    // application's, made by the public constructor.
    struct Login {
        std::string user;
        // Called at each connect; nullopt: no password.
        std::function<std::optional<std::string>()> password;
        std::vector<std::string> hosts;  // in the order to try them
        // Reads and writes wait at least this long, however short db_timeout_seconds is.
        unsigned int min_io_timeout_seconds = 0;
        // The application's statement limits and Galera read-your-writes (session_limits()).
        bool session_limits = true;
        unsigned long client_flags = 0;
        // Never reopened behind the caller's back: named locks live on the connection.
        bool session_bound = false;
    };
    Database(const Config& config, Login login);

    // The open connection, after connect().
    MYSQL* connection() const { return connection_; }
    // Throws for the failed call `what` on the connection: DatabaseUnavailable (disconnecting)
    // when the connection is gone, else std::runtime_error.
    [[noreturn]] void fail_connection_call(const std::string& what);

  private:
    struct Statement {
        std::string sql;
        Repeatable repeatable;  // a SELECT is kYes whatever prepare() was told
        MYSQL_STMT* handle = nullptr;
    };

    void skip_housekeeping(std::string_view what, const std::exception& failure);
    // Connects to one server (login_.hosts[index], or the socket) and prepares every statement.
    void open(size_t index);
    void disconnect();
    // Disconnects from a server that failed, so that the next connect tries another first.
    void leave_server();
    // Runs one statement without parameters or results (transaction control).
    void run_simple(const char* sql);
    // One attempt of transaction(): START TRANSACTION, `work`, COMMIT (ROLLBACK when it throws).
    void run_transaction(const std::function<void()>& work);
    void prepare_handle(Statement& statement);
    Result run(Statement& statement, const std::vector<Value>& params);
    [[noreturn]] void fail(MYSQL_STMT* handle, const std::string& sql);

    const Config& config_;
    Login login_;
    // True while statements rely on the connection's own state (a transaction, a named lock): a
    // new connection would lack it, so a lost one must fail the caller instead of reopening.
    bool session_bound_;
    bool in_transaction_ = false;
    bool opened_ = false;
    // A connect failed: no new attempt before this time (see kReconnectInterval).
    std::chrono::steady_clock::time_point retry_not_before_{};
    // The server of login_.hosts that answered last: tried first, so a worker stays on one node
    // (fewer write conflicts between nodes) until it fails.
    size_t current_host_ = 0;
    MYSQL* connection_ = nullptr;
    std::vector<Statement> statements_;
};

}  // namespace microblog
