// Password reset tokens (sql/010_password_reset_and_outbox.sql): a user's token is issued by
// /reset_password_request, used once by /reset_password/<token>, and voided by any change of
// the password. Only the token's SHA-256 is stored. Like every store, it never opens a
// transaction: the page's handler (or the admin command) owns it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/db/database.h"
#include "core/server/config.h"

namespace microblog {

// The mails the reset pages queue, rendered from templates/email/ (loaded at start).
inline constexpr const char* kResetMailTemplate = "email/reset_password.txt.tpl";
inline constexpr const char* kPasswordChangedMailTemplate = "email/password_changed.txt.tpl";

class PasswordResets {
  public:
    PasswordResets(Database& db, const Config& config);

    // Locks the user's row until the transaction ends, so two requests for one user (or a
    // request and a reset) take their turns: the budget and "only the newest token" hold.
    void lock_user(long long user_id);
    // A new token for the user, valid for reset_token_minutes; older ones are voided. Returns
    // the token's 32 bytes (the link's; never stored).
    std::string issue(long long user_id);
    // The user of an unexpired token; locks nothing (the page's GET changes nothing).
    std::optional<long long> find_user(std::string_view token);
    // The same, locking the token's row until the transaction ends, for the reset itself: a
    // second use waits, then finds it gone.
    std::optional<long long> claim(std::string_view token);
    // Voids every token of the user (the password changed); returns how many there were.
    unsigned long long void_all(long long user_id);

  private:
    Database& db_;
    const Config& config_;
    Database::StatementId lock_user_;
    Database::StatementId insert_;
    Database::StatementId find_;
    Database::StatementId claim_;
    Database::StatementId void_all_;
};

}  // namespace microblog
