// microblog-admin's connection to MariaDB as the administrator (db_admin_user), who may change
// the schema. It has no password unless db_admin_password_file names one, because MariaDB's
// unix_socket authentication admits it as the operating-system user of the same name. Only this
// connection takes several statements at once (run_script), and the page programs do not link
// it, so an injection into the application's SQL cannot add statements.
#pragma once

#include <string>

#include "core/db/database.h"

namespace microblog::admin {

class AdminDatabase : public Database {
  public:
    // The connection is session-bound: never reopened behind the caller's back, since migrate's
    // named lock lives on it. Its reads and writes wait up to an hour (schema changes).
    explicit AdminDatabase(const Config& config);

    // Runs SQL text of one or more statements (a migration file) and reads every result,
    // stopping at the first statement that fails.
    void run_script(const std::string& sql);
};

}  // namespace microblog::admin
