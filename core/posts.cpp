// SQL for posts.
#include "posts.h"

namespace microblog {

PostStore::PostStore(Database& db)
    : db_(db),
      newest_(db.prepare("SELECT u.username, p.body FROM posts p JOIN users u ON u.id = p.user_id "
                         "ORDER BY p.timestamp DESC, p.id DESC LIMIT ?")) {}

std::vector<Post> PostStore::newest(long long limit) {
    std::vector<Post> posts;
    for (const Row& row : db_.execute(newest_, {limit}).rows)
        posts.push_back(Post{*row[0], *row[1]});
    return posts;
}

}  // namespace microblog
