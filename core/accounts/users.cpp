// SQL for users. The *_key columns are LOWER() of the originals with unique indexes
// (sql/001_create_users.sql); comparing against LOWER(?) uses those indexes.
#include "core/accounts/users.h"

namespace microblog {
namespace {
constexpr const char* kUserColumns =
    "SELECT u.id, u.username, u.email, u.password_hash, t.secret IS NOT NULL FROM users u "
    "LEFT JOIN two_factor t ON t.user_id = u.id ";
}  // namespace

UserStore::UserStore(Database& db)
    : db_(db),
      find_by_username_(db.prepare(std::string(kUserColumns) + "WHERE u.username_key = LOWER(?)")),
      find_by_id_(db.prepare(std::string(kUserColumns) + "WHERE u.id = ?")),
      find_by_email_(db.prepare(std::string(kUserColumns) + "WHERE u.email_key = LOWER(?)")),
      username_taken_(db.prepare("SELECT 1 FROM users WHERE username_key = LOWER(?)")),
      email_taken_(db.prepare("SELECT 1 FROM users WHERE email_key = LOWER(?)")),
      create_(db.prepare("INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)")),
      update_hash_(db.prepare("UPDATE users SET password_hash = ? WHERE id = ?",
                              Database::Repeatable::kYes)) {}

namespace {
std::optional<User> first_user(const Result& result) {
    if (result.rows.empty())
        return std::nullopt;
    const Row& row = result.rows.front();
    return User{std::stoll(*row[0]), *row[1], *row[2], *row[3], row[4] == "1"};
}
}  // namespace

std::optional<User> UserStore::find_by_username(const std::string& username) {
    return first_user(db_.execute(find_by_username_, {username}));
}

std::optional<User> UserStore::find_by_id(long long user_id) {
    return first_user(db_.execute(find_by_id_, {user_id}));
}

std::optional<User> UserStore::find_by_email(const std::string& email) {
    return first_user(db_.execute(find_by_email_, {email}));
}

bool UserStore::username_taken(const std::string& username) {
    return !db_.execute(username_taken_, {username}).rows.empty();
}

bool UserStore::email_taken(const std::string& email) {
    return !db_.execute(email_taken_, {email}).rows.empty();
}

long long UserStore::create(const std::string& username, const std::string& email,
                            const std::string& password_hash) {
    return static_cast<long long>(db_.execute(create_, {username, email, password_hash}).insert_id);
}

void UserStore::update_password_hash(long long user_id, const std::string& password_hash) {
    db_.execute(update_hash_, {password_hash, user_id});
}

}  // namespace microblog
