// / and /index: the signed-in user's home page, greeting them and listing the newest posts.
// Only signed-in users reach it: its Route says kSignedIn, and nginx answers visitors early.
#include "core/pages/posts.h"
#include "core/server/server.h"

using namespace microblog;

namespace {

constexpr long long kPostsShown = 25;

Response home(const Request& request, App& app) {
    Page page = app.page();
    page.content().SetValue("USERNAME", request.identity().username);
    // Read with the session lookup: the route's companion below.
    for (const Post& post : posts_from(request.companion_rows())) {
        ctemplate::TemplateDictionary* row = page.content().AddSectionDictionary("POST");
        row->SetValue("AUTHOR", post.author);
        row->SetValue("BODY", post.body);
    }
    return app.render(request, 200, page);
}

}  // namespace

int main(int argc, char** argv) {
    return serve(argc, argv,
                 {
                     .name = "index",
                     .paths = {"/", "/index"},
                     .methods = {"GET", "HEAD"},
                     .audience = Audience::kSignedIn,
                     .csrf = Csrf::kNotNeeded,
                     .page = {"Home", "index.tpl"},
                     .companion = newest_posts_read(kPostsShown),
                     .handle = home,
                 });
}
