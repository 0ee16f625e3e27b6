// A user's two-factor sign-in (sql/008_two_factor.sql): setting it up with a secret shown once
// and confirmed by a code, checking codes (each time step accepted once), single-use recovery
// codes, and turning it off. Secrets are sealed with the configured two_factor_key.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto/secret_box.h"
#include "core/db/database.h"
#include "core/server/config.h"

namespace microblog {

inline constexpr unsigned kRecoveryCodeCount = 10;

struct TwoFactorState {
    bool enabled = false;
    std::optional<std::string> pending_secret;  // shown on the setup page until enabled
    unsigned recovery_codes_left = 0;
};

enum class CodeCheck { kAccepted, kWrong, kAlreadyUsed };

class TwoFactorStore {
  public:
    // Throws std::runtime_error when the configuration has no two_factor_key_file.
    TwoFactorStore(Database& db, const Config& config);

    TwoFactorState state(long long user_id);
    // A new secret waiting for its first code, replacing any earlier one; returns it.
    std::string begin_setup(long long user_id);
    // Turns two-factor sign-in on when `code` is the pending secret's, and returns the new
    // recovery codes (empty when the code was wrong or nothing was pending). Run it in the
    // caller's transaction (core/db/database.h), or a failure may leave it on without codes.
    std::vector<std::string> enable(long long user_id, const std::string& code, time_t now);
    // A code of the user's active secret; its time step is then used up.
    CodeCheck check_code(long long user_id, const std::string& code, time_t now);
    // Deletes the recovery code when it is one of the user's unused ones.
    bool use_recovery_code(long long user_id, const std::string& code);
    // A code from the app or a recovery code, whichever `code` looks like.
    CodeCheck check_code_or_recovery_code(long long user_id, const std::string& code, time_t now);
    // Whether every one of `codes` is an unused recovery code of the user.
    bool all_unused_recovery_codes(long long user_id, const std::vector<std::string>& codes);
    // kRecoveryCodeCount new codes, replacing the old ones.
    std::vector<std::string> new_recovery_codes(long long user_id);
    void disable(long long user_id);

  private:
    std::optional<std::string> opened(const std::optional<std::string>& sealed,
                                      long long user_id) const;
    std::string recovery_code_hash(long long user_id, const std::string& code) const;

    Database& db_;
    std::string key_;
    SecretBox box_;
    Database::StatementId state_;
    Database::StatementId set_pending_;
    Database::StatementId enable_;
    Database::StatementId secret_;
    Database::StatementId use_step_;
    Database::StatementId delete_codes_;
    Database::StatementId insert_code_;
    Database::StatementId use_code_;
    Database::StatementId has_code_;
    Database::StatementId disable_;
};

// Whether `code` has the shape of an authenticator app's code (6 digits, spaces allowed).
bool looks_like_app_code(const std::string& code);

}  // namespace microblog
