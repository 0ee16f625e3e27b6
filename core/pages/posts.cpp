// SQL for posts.
#include "core/pages/posts.h"

namespace microblog {

CompanionRead newest_posts_read(long long limit) {
    // Read the newest posts off their covering index (sql/004) and look each author up by id.
    // Left to itself, the optimizer picks a table scan, a join buffer and a temporary table
    // whenever the tables are small, and with 100,000 users it scans them all. The limit is this
    // program's constant, never a visitor's input.
    return CompanionRead{
        "SELECT STRAIGHT_JOIN 1, u.username, p.body "
        "FROM posts p FORCE INDEX (posts_newest_first) "
        "JOIN users u FORCE INDEX (PRIMARY) ON u.id = p.user_id "
        "ORDER BY p.timestamp DESC, p.id DESC LIMIT " +
            std::to_string(limit),
        3};
}

std::vector<Post> posts_from(const CompanionRows& rows) {
    std::vector<Post> posts;
    posts.reserve(rows.size());
    for (const auto& row : rows)
        posts.push_back(Post{row.at(0).value_or(""), row.at(1).value_or("")});
    return posts;
}

}  // namespace microblog
