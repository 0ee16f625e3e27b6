// MariaDB Connector/C: connection, prepared statements, parameter and result binding.
#include "core/db/database.h"

#include <errmsg.h>
#include <mysqld_error.h>
#include <poll.h>
#include <strings.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "core/server/log.h"

namespace microblog {
namespace {

// How often a statement, or a transaction, that InnoDB rolled back to end a deadlock is run
// again before giving up.
constexpr int kDeadlockRetries = 2;
// After a failed connect, this worker answers at once that the database is unavailable instead
// of waiting for the connect timeout on every request: a database that is down or frozen costs
// each worker one wait per interval.
constexpr std::chrono::milliseconds kReconnectInterval{1000};

// The server gave up on the statement (a lock held too long, or max_statement_time) and undid
// it: the database is busy, which is no fault of the request.
bool is_busy_error(unsigned int code) {
    return code == ER_LOCK_WAIT_TIMEOUT || code == ER_STATEMENT_TIMEOUT;
}

// The application's statements end on the server before the client's read timeout, so their
// outcome is known (undone) rather than lost with the connection: lock waits after a second,
// any statement after three quarters of the timeout. On a Galera node, each read first waits
// until the node has applied every write the cluster committed before it (read-your-writes
// across nodes: a session written through one node is found through any other); without
// Galera the setting does nothing.
std::string session_limits(unsigned int timeout_seconds) {
    char text[200];
    std::snprintf(text, sizeof text,
                  "SET SESSION innodb_lock_wait_timeout = 1, max_statement_time = %.2f, "
                  "wsrep_sync_wait = 1",
                  timeout_seconds * 0.75);
    return text;
}

// Sets a client option before connecting. Connector/C refuses only an option it does not know or
// cannot store; going on would connect without a timeout, the character set or TLS, so it
// closes the connection not yet opened and throws.
void set_option(MYSQL* connection, mysql_option option, const void* value, const char* name) {
    if (mysql_options(connection, option, value) != 0) {
        std::string message = std::string("MariaDB Connector/C refused the option ") + name + ": " +
                              mysql_error(connection);
        mysql_close(connection);
        throw DatabaseUnavailable(message);
    }
}

// A Galera node that has lost the cluster's quorum refuses statements with this: another node
// may still serve.
constexpr unsigned int kNodeNotReady = ER_UNKNOWN_COM_ERROR;

// The connection is gone or its statement handles are stale: reconnecting can help.
bool is_connection_error(unsigned int code) {
    return code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST || code == CR_CONNECTION_ERROR ||
           code == CR_SSL_CONNECTION_ERROR /* a TLS connection's end of file */ ||
           code == CR_CONN_HOST_ERROR || code == ER_UNKNOWN_STMT_HANDLER || code == kNodeNotReady ||
           code == 1927 /* killed */;
}

// Failures where the server never ran the statement, so running it again cannot do it twice.
bool failed_before_running(unsigned int code) {
    return code == CR_SERVER_GONE_ERROR || code == ER_UNKNOWN_STMT_HANDLER || code == kNodeNotReady;
}

// Whether an idle connection was closed by the server's side (it stopped, crashed or killed the
// connection): then the end of file or reset is already waiting on the socket. Looking costs one
// poll; finding it before sending means the statement goes to a live server, not into doubt.
bool closed_by_server(MYSQL* connection) {
    pollfd socket{static_cast<int>(mysql_get_socket(connection)), POLLIN | POLLRDHUP, 0};
    return poll(&socket, 1, 0) > 0;
}

// "Duplicate entry 'x' for key 'users_email_key'" -> "users_email_key".
std::string duplicate_key_name(const std::string& message) {
    size_t end = message.rfind('\'');
    if (end == std::string::npos || end == 0)
        return "";
    size_t begin = message.rfind('\'', end - 1);
    if (begin == std::string::npos)
        return "";
    return message.substr(begin + 1, end - begin - 1);
}

// A read, also when its first SELECT is in parentheses (a UNION of reads).
bool starts_with_select(const std::string& sql) {
    size_t start = sql.find_first_not_of("( \t\n");
    return start != std::string::npos && strncasecmp(sql.c_str() + start, "SELECT", 6) == 0;
}

class StatementError : public std::runtime_error {
  public:
    StatementError(unsigned int code, const std::string& message)
        : std::runtime_error(message), code_(code) {}
    unsigned int code() const { return code_; }

  private:
    unsigned int code_;
};

struct ParamBinding {
    std::vector<MYSQL_BIND> binds;
    std::vector<unsigned long> lengths;
    std::vector<long long> integers;

    explicit ParamBinding(const std::vector<Value>& params)
        : binds(params.size()), lengths(params.size()), integers(params.size()) {
        for (size_t i = 0; i < params.size(); ++i)
            bind(i, params[i]);
    }

    void bind(size_t i, const Value& value) {
        MYSQL_BIND& b = binds[i];
        std::memset(&b, 0, sizeof b);
        if (std::holds_alternative<std::nullptr_t>(value)) {
            b.buffer_type = MYSQL_TYPE_NULL;
        } else if (auto* n = std::get_if<long long>(&value)) {
            integers[i] = *n;
            b.buffer_type = MYSQL_TYPE_LONGLONG;
            b.buffer = &integers[i];
        } else {
            const std::string& s = std::holds_alternative<Bytes>(value)
                                       ? std::get<Bytes>(value).data
                                       : std::get<std::string>(value);
            // Bytes go as BLOB so the server never tries to read them as utf8mb4 text.
            b.buffer_type =
                std::holds_alternative<Bytes>(value) ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
            b.buffer = const_cast<char*>(s.data());
            b.buffer_length = s.size();
            lengths[i] = s.size();
            b.length = &lengths[i];
        }
    }
};

}  // namespace

std::string fetch_whole_column(MYSQL_STMT* handle, const MYSQL_BIND& bind, unsigned int column,
                               unsigned long length) {
    std::string full(length, '\0');
    MYSQL_BIND whole = bind;
    whole.buffer = full.data();
    whole.buffer_length = full.size();
    if (mysql_stmt_fetch_column(handle, &whole, column, 0) != 0) {
        throw std::runtime_error("cannot fetch the whole of column " + std::to_string(column) +
                                 ": " + mysql_stmt_error(handle));
    }
    return full;
}

Database::Database(const Config& config)
    : Database(config, Login{config.db_user,
                             [&config] { return std::optional<std::string>(config.db_password); },
                             config.db_hosts}) {}

Database::Database(const Config& config, Login login)
    : config_(config), login_(std::move(login)), session_bound_(login_.session_bound) {}

Database::~Database() {
    disconnect();
}

Database::StatementId Database::prepare(std::string sql, Repeatable repeatable) {
    if (starts_with_select(sql))
        repeatable = Repeatable::kYes;
    statements_.push_back(Statement{std::move(sql), repeatable});
    if (connection_ != nullptr)
        prepare_handle(statements_.back());
    return statements_.size() - 1;
}

void Database::housekeep(StatementId id, const std::vector<Value>& params, std::string_view what) {
    try {
        execute(id, params);
    } catch (const DatabaseBusy& e) {
        skip_housekeeping(what, e);
    } catch (const DatabaseUnavailable&) {
        throw;
    } catch (const std::runtime_error& e) {
        skip_housekeeping(what, e);
    }
}

// Called from a catch block: inside a transaction, rethrows what it caught, since a failed
// statement may have taken the transaction with it (a deadlock rolls it back whole).
void Database::skip_housekeeping(std::string_view what, const std::exception& failure) {
    if (in_transaction_)
        throw;
    log_line(std::string(what) + " skipped: " + failure.what());
}

void Database::connect() {
    if (connection_ != nullptr)
        return;
    if (opened_ && session_bound_) {
        throw DatabaseUnavailable(
            "the MariaDB connection was lost, and with it the transaction or lock it held");
    }
    auto now = std::chrono::steady_clock::now();
    if (now < retry_not_before_)
        throw DatabaseUnavailable("MariaDB was unreachable a moment ago; trying again shortly",
                                  true);
    // From the server that served last, each in turn once.
    size_t servers = std::max<size_t>(login_.hosts.size(), 1);
    std::string failures;
    for (size_t tried = 0; tried < servers; ++tried) {
        size_t index = (current_host_ + tried) % servers;
        try {
            open(index);
            current_host_ = index;
            return;
        } catch (const DatabaseUnavailable& e) {
            failures += (failures.empty() ? "" : "; ") + std::string(e.what());
        }
    }
    // From the end of the attempts, which may themselves have waited the connect timeouts.
    retry_not_before_ = std::chrono::steady_clock::now() + kReconnectInterval;
    throw DatabaseUnavailable(failures);
}

void Database::open(size_t index) {
    MYSQL* connection = mysql_init(nullptr);
    if (connection == nullptr)
        throw DatabaseUnavailable("mysql_init failed");
    unsigned int timeout = config_.db_timeout_seconds;
    unsigned int io_timeout = std::max(timeout, login_.min_io_timeout_seconds);
    set_option(connection, MYSQL_OPT_CONNECT_TIMEOUT, &timeout, "MYSQL_OPT_CONNECT_TIMEOUT");
    set_option(connection, MYSQL_OPT_READ_TIMEOUT, &io_timeout, "MYSQL_OPT_READ_TIMEOUT");
    set_option(connection, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout, "MYSQL_OPT_WRITE_TIMEOUT");
    set_option(connection, MYSQL_SET_CHARSET_NAME, "utf8mb4", "MYSQL_SET_CHARSET_NAME");
    const std::string limits = session_limits(timeout);
    if (login_.session_limits)
        set_option(connection, MYSQL_INIT_COMMAND, limits.c_str(), "MYSQL_INIT_COMMAND");
    const std::string& user = login_.user;
    const std::optional<std::string> secret = login_.password();
    const char* password = secret ? secret->c_str() : nullptr;
    unsigned long flags = login_.client_flags;
    bool remote = !login_.hosts.empty();
    const std::string host = remote ? login_.hosts.at(index) : "localhost";
    if (remote) {
        unsigned int protocol = MYSQL_PROTOCOL_TCP;
        set_option(connection, MYSQL_OPT_PROTOCOL, &protocol, "MYSQL_OPT_PROTOCOL");
    }
    if (remote && !config_.db_tls_ca_file.empty()) {
        // Encrypted or not at all, and only to a server whose certificate names this host.
        my_bool on = 1;
        set_option(connection, MYSQL_OPT_SSL_CA, config_.db_tls_ca_file.c_str(),
                   "MYSQL_OPT_SSL_CA");
        set_option(connection, MYSQL_OPT_SSL_ENFORCE, &on, "MYSQL_OPT_SSL_ENFORCE");
        set_option(connection, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on,
                   "MYSQL_OPT_SSL_VERIFY_SERVER_CERT");
    }
    std::string where = remote ? host + ":" + std::to_string(config_.db_port) : config_.db_socket;
    if (mysql_real_connect(connection, host.c_str(), user.c_str(), password,
                           config_.db_name.c_str(), remote ? config_.db_port : 0,
                           remote ? nullptr : config_.db_socket.c_str(), flags) == nullptr) {
        std::string message = "cannot connect to MariaDB as " + user + " over " + where + ": " +
                              mysql_error(connection);
        mysql_close(connection);
        throw DatabaseUnavailable(message);
    }
    connection_ = connection;
    opened_ = true;
    try {
        for (Statement& statement : statements_)
            prepare_handle(statement);
    } catch (const StatementError& e) {
        disconnect();
        throw DatabaseUnavailable("cannot prepare statements on " + where + ": " + e.what());
    }
}

void Database::transaction(const std::function<void()>& work) {
    if (in_transaction_) {
        throw std::logic_error(
            "Database::transaction inside a transaction: MariaDB would commit the outer one; "
            "the outermost caller owns the transaction (core/db/database.h)");
    }
    for (int attempt = 0;; ++attempt) {
        try {
            run_transaction(work);
            return;
        } catch (const TransactionRolledBack& e) {
            if (attempt >= kDeadlockRetries)
                throw DatabaseBusy(std::string("MariaDB is busy: ") + e.what());
        }
    }
}

void Database::run_transaction(const std::function<void()>& work) {
    bool was_bound = session_bound_;
    run_simple("START TRANSACTION");
    session_bound_ = true;
    in_transaction_ = true;
    try {
        work();
        run_simple("COMMIT");
    } catch (...) {
        // When the connection is gone the server has rolled back already.
        if (connection_ != nullptr)
            (void)mysql_query(connection_, "ROLLBACK");
        session_bound_ = was_bound;
        in_transaction_ = false;
        throw;
    }
    session_bound_ = was_bound;
    in_transaction_ = false;
}

void Database::run_simple(const char* sql) {
    connect();
    if (mysql_query(connection_, sql) != 0)
        fail_connection_call(sql);
}

void Database::fail_connection_call(const std::string& what) {
    unsigned int code = mysql_errno(connection_);
    std::string message = std::string(mysql_error(connection_)) + " in " + what;
    if (is_connection_error(code)) {
        disconnect();
        throw DatabaseUnavailable("MariaDB connection lost: " + message);
    }
    if (code == ER_LOCK_DEADLOCK && in_transaction_)  // a COMMIT that lost a Galera conflict
        throw TransactionRolledBack(message);
    throw std::runtime_error(message);
}

void Database::leave_server() {
    disconnect();
    // A server that dropped the connection is suspect: the next one is tried first.
    if (!login_.hosts.empty())
        current_host_ = (current_host_ + 1) % login_.hosts.size();
}

void Database::disconnect() {
    for (Statement& statement : statements_) {
        if (statement.handle != nullptr)
            mysql_stmt_close(statement.handle);
        statement.handle = nullptr;
    }
    if (connection_ != nullptr)
        mysql_close(connection_);
    connection_ = nullptr;
}

void Database::prepare_handle(Statement& statement) {
    MYSQL_STMT* handle = mysql_stmt_init(connection_);
    if (handle == nullptr)
        throw StatementError(mysql_errno(connection_), mysql_error(connection_));
    my_bool update_max_length = 1;
    // store_result() fills in each column's max_length only with this on; run() sizes buffers by
    // it.
    if (mysql_stmt_attr_set(handle, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max_length) != 0) {
        StatementError error(mysql_stmt_errno(handle), "cannot set STMT_ATTR_UPDATE_MAX_LENGTH");
        mysql_stmt_close(handle);
        throw error;
    }
    if (mysql_stmt_prepare(handle, statement.sql.c_str(), statement.sql.size()) != 0) {
        StatementError error(mysql_stmt_errno(handle),
                             std::string(mysql_stmt_error(handle)) + " in: " + statement.sql);
        mysql_stmt_close(handle);
        throw error;
    }
    statement.handle = handle;
}

Result Database::execute(StatementId id, const std::vector<Value>& params) {
    Statement& statement = statements_.at(id);
    bool rerun_after_loss = false;
    for (int attempt = 0;; ++attempt) {
        if (connection_ != nullptr && !session_bound_ && closed_by_server(connection_))
            leave_server();
        connect();
        auto started = std::chrono::steady_clock::now();
        try {
            return run(statement, params);
        } catch (const StatementError& e) {
            // Run again after a lost connection: the first run had landed.
            if (e.code() == ER_DUP_ENTRY && statement.repeatable == Repeatable::kInsertOnce &&
                rerun_after_loss)
                return Result{{}, 1, 0};
            if (e.code() == ER_DUP_ENTRY)
                throw DuplicateKey(e.what(), duplicate_key_name(e.what()));
            // InnoDB chose this statement as a deadlock's victim and rolled it back whole: on
            // its own (autocommit) it is safe to run again. Inside a transaction the whole
            // transaction is gone, so the caller must hear of it.
            if (e.code() == ER_LOCK_DEADLOCK && !in_transaction_ && attempt < kDeadlockRetries)
                continue;
            if (e.code() == ER_LOCK_DEADLOCK && in_transaction_)
                throw TransactionRolledBack(e.what());
            if (is_busy_error(e.code()))
                throw DatabaseBusy(std::string("MariaDB is busy: ") + e.what());
            if (!is_connection_error(e.code()))
                throw std::runtime_error(e.what());
            leave_server();
            if (login_.hosts.size() <= 1 && std::chrono::steady_clock::now() - started >=
                                                std::chrono::seconds(config_.db_timeout_seconds)) {
                // Lost after waiting the whole read timeout: the one server does not answer
                // (frozen or overwhelmed), and a new connection would only wait as long again.
                retry_not_before_ = std::chrono::steady_clock::now() + kReconnectInterval;
            }
            bool may_retry = !session_bound_ && (statement.repeatable != Repeatable::kNo ||
                                                 failed_before_running(e.code()));
            if (rerun_after_loss || !may_retry) {
                throw DatabaseUnavailable(std::string("MariaDB connection lost: ") + e.what());
            }
            rerun_after_loss = true;
        }
    }
}

void Database::fail(MYSQL_STMT* handle, const std::string& sql) {
    unsigned int code = mysql_stmt_errno(handle);
    std::string message = std::string(mysql_stmt_error(handle)) + " in: " + sql;
    mysql_stmt_free_result(handle);
    throw StatementError(code, message);
}

Result Database::run(Statement& statement, const std::vector<Value>& params) {
    MYSQL_STMT* handle = statement.handle;
    if (mysql_stmt_param_count(handle) != params.size()) {
        throw std::logic_error("wrong parameter count for: " + statement.sql);
    }
    ParamBinding binding(params);
    if (!params.empty() && mysql_stmt_bind_param(handle, binding.binds.data()) != 0) {
        fail(handle, statement.sql);
    }
    if (mysql_stmt_execute(handle) != 0)
        fail(handle, statement.sql);

    Result result;
    result.affected_rows = mysql_stmt_affected_rows(handle);
    result.insert_id = mysql_stmt_insert_id(handle);
    MYSQL_RES* metadata = mysql_stmt_result_metadata(handle);
    if (metadata == nullptr)
        return result;
    if (mysql_stmt_store_result(handle) != 0) {
        mysql_free_result(metadata);
        fail(handle, statement.sql);
    }
    unsigned int columns = mysql_num_fields(metadata);
    MYSQL_FIELD* fields = mysql_fetch_fields(metadata);
    std::vector<MYSQL_BIND> binds(columns);
    std::vector<std::string> buffers(columns);
    std::vector<unsigned long> lengths(columns);
    std::vector<my_bool> nulls(columns);
    for (unsigned int c = 0; c < columns; ++c) {
        // Every column is fetched as text; 64 bytes covers any number or date.
        buffers[c].resize(std::max<unsigned long>(fields[c].max_length, 64) + 1);
        std::memset(&binds[c], 0, sizeof binds[c]);
        binds[c].buffer_type = MYSQL_TYPE_STRING;
        binds[c].buffer = buffers[c].data();
        binds[c].buffer_length = buffers[c].size();
        binds[c].length = &lengths[c];
        binds[c].is_null = &nulls[c];
    }
    mysql_free_result(metadata);
    if (mysql_stmt_bind_result(handle, binds.data()) != 0)
        fail(handle, statement.sql);
    int status;
    while ((status = mysql_stmt_fetch(handle)) == 0 || status == MYSQL_DATA_TRUNCATED) {
        Row row(columns);
        for (unsigned int c = 0; c < columns; ++c) {
            if (nulls[c])
                continue;
            if (lengths[c] >= buffers[c].size()) {
                try {
                    row[c] = fetch_whole_column(handle, binds[c], c, lengths[c]);
                } catch (const std::runtime_error& e) {
                    mysql_stmt_free_result(handle);
                    throw std::runtime_error(std::string(e.what()) + " in: " + statement.sql);
                }
            } else {
                row[c] = std::string(buffers[c].data(), lengths[c]);
            }
        }
        result.rows.push_back(std::move(row));
    }
    if (status == 1)
        fail(handle, statement.sql);
    mysql_stmt_free_result(handle);
    return result;
}

}  // namespace microblog
