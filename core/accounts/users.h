// The users table: lookups by name regardless of letter case, registration, hash upgrades.
#pragma once

#include <optional>
#include <string>

#include "core/db/database.h"

namespace microblog {

struct User {
    long long id = 0;
    std::string username;  // as registered
    std::string email;
    std::string password_hash;
    bool two_factor = false;  // sign-in needs a code too (sql/008_two_factor.sql)
};

class UserStore {
  public:
    explicit UserStore(Database& db);

    std::optional<User> find_by_username(const std::string& username);
    std::optional<User> find_by_id(long long user_id);
    // By email address, regardless of letter case (the password reset request).
    std::optional<User> find_by_email(const std::string& email);
    bool username_taken(const std::string& username);
    bool email_taken(const std::string& email);
    // Throws DuplicateKey (key users_username_key or users_email_key) when either is taken.
    long long create(const std::string& username, const std::string& email,
                     const std::string& password_hash);
    void update_password_hash(long long user_id, const std::string& password_hash);

  private:
    Database& db_;
    Database::StatementId find_by_username_;
    Database::StatementId find_by_id_;
    Database::StatementId find_by_email_;
    Database::StatementId username_taken_;
    Database::StatementId email_taken_;
    Database::StatementId create_;
    Database::StatementId update_hash_;
};

}  // namespace microblog
