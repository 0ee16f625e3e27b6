// Tests for tools/admin/admin_database against a real private MariaDB: run by
// tests/support/with_stack.py, which starts a stack and names its configuration file in
// MICROBLOG_TEST_CONFIG. The stack's db_admin_user logs in by unix_socket as this test's user.
#include "tools/admin/admin_database.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "tests/support/database_test_support.h"

namespace microblog::admin {
namespace {

using test_support::RefusingPort;
using test_support::stack_config;

std::string one_value(Database& db, const std::string& sql) {
    return db.execute(db.prepare(sql), {}).rows.at(0).at(0).value_or("NULL");
}

// The message of the DatabaseUnavailable `work` throws, or "" when it throws none.
template <typename Work>
std::string unavailable_message(Work work) {
    try {
        work();
    } catch (const DatabaseUnavailable& e) {
        return e.what();
    }
    return "";
}

TEST(AdminDatabaseTest, AScriptRunsEachStatementInOrderAndStopsAtTheFirstThatFails) {
    AdminDatabase db(stack_config());
    // Temporary tables live on this connection only, so parallel runs cannot meet.
    db.run_script(
        "CREATE TEMPORARY TABLE script_steps (step INT); "
        "INSERT INTO script_steps VALUES (1); SELECT * FROM script_steps;\n"
        "INSERT INTO script_steps VALUES (2)");
    EXPECT_EQ(one_value(db, "SELECT GROUP_CONCAT(step ORDER BY step) FROM script_steps"), "1,2");
    try {
        db.run_script(
            "INSERT INTO script_steps VALUES (3); INSERT INTO no_such_table VALUES (4); "
            "INSERT INTO script_steps VALUES (5)");
        ADD_FAILURE() << "a script with a failing statement ran through";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("in statement 2"), std::string::npos) << e.what();
    }
    EXPECT_EQ(one_value(db, "SELECT GROUP_CONCAT(step ORDER BY step) FROM script_steps"), "1,2,3");
}

TEST(AdminDatabaseTest, ALostConnectionIsNotReopenedSinceItsLockWentWithIt) {
    AdminDatabase db(stack_config());
    std::string id = one_value(db, "SELECT CONNECTION_ID()");
    // Prepared before the kill: preparing on a dead connection fails on its own.
    Database::StatementId select = db.prepare("SELECT 1");
    AdminDatabase other(stack_config());
    other.run_script("KILL CONNECTION " + id);
    // A SELECT on the application's connection would be run again on a new one.
    EXPECT_NE(unavailable_message([&] { db.execute(select, {}); }), "");
    EXPECT_NE(unavailable_message([&] { db.connect(); }).find("lock it held"), std::string::npos);
}

TEST(AdminDatabaseTest, SchemaChangesAreNotCutShortByTheApplicationsStatementLimits) {
    AdminDatabase db(stack_config());
    EXPECT_EQ(one_value(db,
                        "SELECT @@session.max_statement_time = @@global.max_statement_time AND "
                        "@@session.innodb_lock_wait_timeout = "
                        "@@global.innodb_lock_wait_timeout"),
              "1");
}

TEST(AdminDatabaseTest, EveryHostTriesTheDatabaseNodesInOneOrder) {
    RefusingPort refusing;
    Config config = stack_config();
    config.db_hosts = {"127.0.0.3", "127.0.0.2"};
    config.db_port = refusing.port();
    config.db_tls_ca_file.clear();
    AdminDatabase db(config);
    std::string failures = unavailable_message([&] { db.connect(); });
    size_t second = failures.find("127.0.0.2:"), third = failures.find("127.0.0.3:");
    ASSERT_NE(second, std::string::npos) << failures;
    ASSERT_NE(third, std::string::npos) << failures;
    EXPECT_LT(second, third) << failures;
}

}  // namespace
}  // namespace microblog::admin
