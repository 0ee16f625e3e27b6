// SQL for posts.
#include "posts.h"

namespace microblog {

PostStore::PostStore(Database& db)
    : db_(db),
      // Read the newest posts off the timestamp index and look each author up by id. Left to
      // itself, the optimizer picks a table scan, a join buffer and a temporary table whenever
      // the tables are small, which costs more than the rows.
      newest_(db.prepare("SELECT STRAIGHT_JOIN u.username, p.body "
                         "FROM posts p FORCE INDEX (posts_timestamp) "
                         "JOIN users u FORCE INDEX (PRIMARY) ON u.id = p.user_id "
                         "ORDER BY p.timestamp DESC, p.id DESC LIMIT ?")) {}

std::vector<Post> PostStore::newest(long long limit) {
    std::vector<Post> posts;
    for (const Row& row : db_.execute(newest_, {limit}).rows)
        posts.push_back(Post{*row[0], *row[1]});
    return posts;
}

}  // namespace microblog
