// The posts table: the newest posts of all users, for the home page.
#pragma once

#include <string>
#include <vector>

#include "database.h"

namespace microblog {

struct Post {
    std::string author;
    std::string body;
};

class PostStore {
  public:
    explicit PostStore(Database& db);
    std::vector<Post> newest(long long limit);

  private:
    Database& db_;
    Database::StatementId newest_;
};

}  // namespace microblog
