// tools/mailer/retry: the wait before each new attempt, and when a mail is given up.
#include "tools/mailer/retry.h"

#include <gtest/gtest.h>

namespace microblog::mail {
namespace {

TEST(RetryDelay, StartsAtTheBaseAndDoublesWithEachFailure) {
    EXPECT_EQ(retry_delay_seconds(60, 1), 60);
    EXPECT_EQ(retry_delay_seconds(60, 2), 120);
    EXPECT_EQ(retry_delay_seconds(60, 3), 240);
    EXPECT_EQ(retry_delay_seconds(1, 5), 16);
}

TEST(RetryDelay, NeverExceedsAnHour) {
    EXPECT_EQ(retry_delay_seconds(60, 7), 3600);  // 60 * 64 would be 3840
    EXPECT_EQ(retry_delay_seconds(60, 6), 1920);
    EXPECT_EQ(retry_delay_seconds(3600, 1), 3600);
    EXPECT_EQ(retry_delay_seconds(1, 1000), 3600);  // no overflow however many attempts
    EXPECT_EQ(retry_delay_seconds(3000, 4000000000u), 3600);
}

TEST(NextRetry, WaitsTheDelayWhileTheMailsHoursLast) {
    EXPECT_EQ(next_retry(60, 1, 86400), 60);
    EXPECT_EQ(next_retry(60, 3, 240), 240);  // the next attempt lands on the very end
    EXPECT_EQ(next_retry(1, 12, 86400), 2048);
}

TEST(NextRetry, GivesUpWhenTheNextAttemptWouldComeTooLate) {
    EXPECT_EQ(next_retry(60, 3, 239), std::nullopt);
    EXPECT_EQ(next_retry(1, 1, 0), std::nullopt);
    EXPECT_EQ(next_retry(1, 1, -3600), std::nullopt);
}

}  // namespace
}  // namespace microblog::mail
