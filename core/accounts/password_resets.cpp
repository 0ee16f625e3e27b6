// SQL for the reset tokens, on the database's clock (UTC_TIMESTAMP()) like the other stores.
#include "core/accounts/password_resets.h"

#include "core/accounts/reset_token.h"
#include "core/crypto/crypto.h"

namespace microblog {

PasswordResets::PasswordResets(Database& db, const Config& config)
    : db_(db),
      config_(config),
      lock_user_(db.prepare("SELECT id FROM users WHERE id = ? FOR UPDATE")),
      insert_(db.prepare("INSERT INTO password_reset_tokens (token_hash, user_id, created_at, "
                         "expires_at) VALUES (?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP() + "
                         "INTERVAL ? MINUTE)",
                         Database::Repeatable::kInsertOnce)),
      find_(db.prepare("SELECT user_id FROM password_reset_tokens WHERE token_hash = ? AND "
                       "expires_at > UTC_TIMESTAMP()")),
      claim_(db.prepare("SELECT user_id FROM password_reset_tokens WHERE token_hash = ? AND "
                        "expires_at > UTC_TIMESTAMP() FOR UPDATE")),
      void_all_(db.prepare("DELETE FROM password_reset_tokens WHERE user_id = ?",
                           Database::Repeatable::kYes)) {}

namespace {
std::optional<long long> first_user_id(const Result& result) {
    if (result.rows.empty() || !result.rows.front().at(0))
        return std::nullopt;
    return std::stoll(*result.rows.front().at(0));
}
}  // namespace

void PasswordResets::lock_user(long long user_id) {
    db_.execute(lock_user_, {user_id});
}

std::string PasswordResets::issue(long long user_id) {
    void_all(user_id);
    std::string token = random_bytes(kResetTokenBytes);
    const long long minutes = config_.reset_token_minutes;
    db_.execute(insert_, {Bytes{sha256(token)}, user_id, minutes});
    return token;
}

std::optional<long long> PasswordResets::find_user(std::string_view token) {
    return first_user_id(db_.execute(find_, {Bytes{sha256(token)}}));
}

std::optional<long long> PasswordResets::claim(std::string_view token) {
    return first_user_id(db_.execute(claim_, {Bytes{sha256(token)}}));
}

unsigned long long PasswordResets::void_all(long long user_id) {
    return db_.execute(void_all_, {user_id}).affected_rows;
}

}  // namespace microblog
