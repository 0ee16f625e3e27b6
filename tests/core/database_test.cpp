// Tests for core/database against a real private MariaDB: run by tests/support/with_stack.py,
// which starts a stack and names its configuration file in MICROBLOG_TEST_CONFIG.
#include "core/database.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>

namespace microblog {
namespace {

const Config& stack_config() {
    static const Config config = [] {
        const char* path = std::getenv("MICROBLOG_TEST_CONFIG");
        if (path == nullptr)
            throw std::runtime_error("MICROBLOG_TEST_CONFIG is not set: run under with_stack.py");
        return load_config(path);
    }();
    return config;
}

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

}  // namespace
}  // namespace microblog
