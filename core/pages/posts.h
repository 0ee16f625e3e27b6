// The posts table: the newest posts of all users, for the home page.
#pragma once

#include <string>
#include <vector>

#include "core/accounts/sessions.h"
#include "core/http/request.h"

namespace microblog {

struct Post {
    std::string author;
    std::string body;
};

// The newest `limit` posts, newest first, as a read that rides along with the session lookup
// (see CompanionRead): the home page needs them on every request.
CompanionRead newest_posts_read(long long limit);
// The posts in the rows of that read.
std::vector<Post> posts_from(const CompanionRows& rows);

}  // namespace microblog
