// When microblog-mailer tries a mail again that the relay did not take (docs/email.md).
#pragma once

#include <optional>

namespace microblog::mail {

inline constexpr long long kLongestRetrySeconds = 3600;

// The wait before the next attempt after `attempts` failed ones (1 for the first failure):
// base_seconds, doubled each time, at most kLongestRetrySeconds.
long long retry_delay_seconds(unsigned base_seconds, unsigned attempts);

// The wait before the next attempt, or nothing when that attempt would come after the mail's
// time to be tried runs out (`seconds_left` from now; negative once it has) and it is failed.
std::optional<long long> next_retry(unsigned base_seconds, unsigned attempts,
                                    long long seconds_left);

}  // namespace microblog::mail
