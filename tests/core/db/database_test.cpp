// Tests for core/database against a real private MariaDB: run by tests/support/with_stack.py,
// which starts a stack and names its configuration file in MICROBLOG_TEST_CONFIG.
#include "core/db/database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include "tests/support/database_test_support.h"

namespace microblog {
namespace {

using test_support::RefusingPort;
using test_support::stack_config;

// A key no other test run uses (login_throttle keys are at most 64 characters).
std::string unique_key() {
    static int made = 0;
    return "database-test-" + std::to_string(getpid()) + "-" + std::to_string(++made);
}

// A login_throttle row is the simplest row the application's account may write.
class DatabaseTest : public ::testing::Test {
  protected:
    DatabaseTest()
        : db_(stack_config()),
          insert_(db_.prepare("INSERT INTO login_throttle (username_key, failures, window_ends_at) "
                              "VALUES (?, 1, UTC_TIMESTAMP())")),
          count_(db_.prepare("SELECT COUNT(*) FROM login_throttle WHERE username_key = ?")),
          delete_(db_.prepare("DELETE FROM login_throttle WHERE username_key = ?")),
          in_transaction_(db_.prepare("SELECT @@in_transaction")),
          key_(unique_key()) {}
    ~DatabaseTest() override { db_.execute(delete_, {key_}); }

    std::string rows_with_key() { return *db_.execute(count_, {key_}).rows.at(0).at(0); }
    std::string in_transaction() { return *db_.execute(in_transaction_, {}).rows.at(0).at(0); }
    // The message of the std::logic_error `work` throws, or "" when it throws none.
    static std::string logic_error_of(const std::function<void()>& work) {
        try {
            work();
        } catch (const std::logic_error& e) {
            return e.what();
        }
        return "";
    }

    Database db_;
    Database::StatementId insert_, count_, delete_, in_transaction_;
    const std::string key_;
};

TEST_F(DatabaseTest, ATransactionInsideATransactionIsRefusedBeforeAnythingIsSent) {
    bool inner_ran = false;
    std::string refusal = logic_error_of([&] {
        db_.transaction([&] {
            db_.execute(insert_, {key_});
            db_.transaction([&] { inner_ran = true; });
        });
    });
    EXPECT_NE(refusal.find("inside a transaction"), std::string::npos) << refusal;
    EXPECT_FALSE(inner_ran);
    // The outer transaction was rolled back whole: no second START TRANSACTION committed it.
    EXPECT_EQ(rows_with_key(), "0");
}

TEST_F(DatabaseTest, TheOuterTransactionGoesOnAfterARefusedInnerOne) {
    db_.transaction([&] {
        db_.execute(insert_, {key_});
        EXPECT_NE(logic_error_of([&] { db_.transaction([] {}); }), "");
        EXPECT_EQ(in_transaction(), "1");
    });
    EXPECT_EQ(in_transaction(), "0");
    EXPECT_EQ(rows_with_key(), "1");
}

TEST_F(DatabaseTest, TransactionsOneAfterAnotherAreNotNested) {
    db_.transaction([&] { db_.execute(insert_, {key_}); });
    EXPECT_EQ(logic_error_of([&] { db_.transaction([&] { db_.execute(delete_, {key_}); }); }), "");
    EXPECT_EQ(rows_with_key(), "0");
}

// Two transactions that lock two rows in opposite orders: InnoDB rolls one back whole to end
// the deadlock, and transaction() runs that one's work again, so both changes land once each.
TEST_F(DatabaseTest, ATransactionRolledBackToEndADeadlockIsRunAgain) {
    const std::string other_key = key_ + "-other";
    db_.execute(insert_, {key_});
    db_.execute(insert_, {other_key});
    const auto bump =
        db_.prepare("UPDATE login_throttle SET failures = failures + 1 WHERE username_key = ?");
    std::atomic<bool> other_locked{false};
    std::atomic<int> attempts{0}, other_attempts{0};
    std::string other_failure;

    std::thread other([&] {
        try {
            Database second(stack_config());
            const auto second_bump = second.prepare(
                "UPDATE login_throttle SET failures = failures + 1 WHERE username_key = ?");
            second.transaction([&] {
                ++other_attempts;
                second.execute(second_bump, {other_key});
                other_locked = true;
                second.execute(second_bump, {key_});  // waits for the first, which waits for us
            });
        } catch (const std::exception& e) {
            other_failure = e.what();
        }
    });
    std::string failure;
    try {
        db_.transaction([&] {
            ++attempts;
            db_.execute(bump, {key_});
            if (attempts == 1) {
                while (!other_locked)
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
                std::this_thread::sleep_for(std::chrono::milliseconds(200));  // it waits on us
            }
            db_.execute(bump, {other_key});
        });
    } catch (const std::exception& e) {
        failure = e.what();
    }
    other.join();
    EXPECT_EQ(failure, "");
    EXPECT_EQ(other_failure, "");
    EXPECT_EQ(attempts + other_attempts, 3);  // one of the two ran twice
    const auto failures = db_.prepare("SELECT failures FROM login_throttle WHERE username_key = ?");
    EXPECT_EQ(*db_.execute(failures, {key_}).rows.at(0).at(0), "3");
    EXPECT_EQ(*db_.execute(failures, {other_key}).rows.at(0).at(0), "3");
    db_.execute(delete_, {other_key});
}

// The order of db_host (the administrator's connection sorts them: tools/admin).
TEST(DatabaseHostsTest, TheApplicationTriesTheHostsInTheOrderGiven) {
    RefusingPort refusing;
    Config config = stack_config();
    config.db_hosts = {"127.0.0.3", "127.0.0.2"};
    config.db_port = refusing.port();
    config.db_tls_ca_file.clear();
    Database db(config);
    std::string failures;
    try {
        db.connect();
    } catch (const DatabaseUnavailable& e) {
        failures = e.what();
    }
    size_t second = failures.find("127.0.0.2:"), third = failures.find("127.0.0.3:");
    ASSERT_NE(second, std::string::npos) << failures;
    ASSERT_NE(third, std::string::npos) << failures;
    EXPECT_LT(third, second) << failures;
}

// A statement of its own, on a connection of its own, with one row fetched into a buffer too
// short for its one column.
class FetchWholeColumnTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const Config& config = stack_config();
        connection_ = mysql_init(nullptr);
        ASSERT_NE(connection_, nullptr);
        ASSERT_NE(mysql_real_connect(connection_, "localhost", config.db_user.c_str(),
                                     config.db_password.c_str(), config.db_name.c_str(), 0,
                                     config.db_socket.c_str(), 0),
                  nullptr)
            << mysql_error(connection_);
        handle_ = mysql_stmt_init(connection_);
        ASSERT_NE(handle_, nullptr);
        const std::string sql = "SELECT REPEAT('x', 100)";
        ASSERT_EQ(mysql_stmt_prepare(handle_, sql.c_str(), sql.size()), 0);
        ASSERT_EQ(mysql_stmt_execute(handle_), 0) << mysql_stmt_error(handle_);
        ASSERT_EQ(mysql_stmt_store_result(handle_), 0) << mysql_stmt_error(handle_);
        bind_ = MYSQL_BIND{};
        bind_.buffer_type = MYSQL_TYPE_STRING;
        bind_.buffer = short_buffer_;
        bind_.buffer_length = sizeof short_buffer_;
        bind_.length = &length_;
        ASSERT_EQ(mysql_stmt_bind_result(handle_, &bind_), 0);
        ASSERT_EQ(mysql_stmt_fetch(handle_), MYSQL_DATA_TRUNCATED);
    }
    void TearDown() override {
        if (handle_ != nullptr)
            mysql_stmt_close(handle_);
        mysql_close(connection_);
    }

    MYSQL* connection_ = nullptr;
    MYSQL_STMT* handle_ = nullptr;
    MYSQL_BIND bind_{};
    char short_buffer_[8] = {};
    unsigned long length_ = 0;
};

TEST_F(FetchWholeColumnTest, ReturnsTheWholeColumn) {
    EXPECT_EQ(length_, 100u);
    EXPECT_EQ(fetch_whole_column(handle_, bind_, 0, length_), std::string(100, 'x'));
}

TEST_F(FetchWholeColumnTest, AFetchThatFailsThrowsInsteadOfReadingAsZeroBytes) {
    try {
        fetch_whole_column(handle_, bind_, 1, length_);
        ADD_FAILURE() << "a column the row does not have was fetched";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("column 1"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace microblog
