#include "tools/mailer/retry.h"

namespace microblog::mail {

long long retry_delay_seconds(unsigned base_seconds, unsigned attempts) {
    long long delay = base_seconds;
    for (unsigned i = 1; i < attempts && delay < kLongestRetrySeconds; ++i)
        delay *= 2;
    return delay < kLongestRetrySeconds ? delay : kLongestRetrySeconds;
}

std::optional<long long> next_retry(unsigned base_seconds, unsigned attempts,
                                    long long seconds_left) {
    const long long delay = retry_delay_seconds(base_seconds, attempts);
    if (delay > seconds_left)
        return std::nullopt;
    return delay;
}

}  // namespace microblog::mail
