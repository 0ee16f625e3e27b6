#include "core/server/route.h"

#include <ostream>

namespace microblog {

std::string join(const std::vector<std::string>& items, const char* separator) {
    std::string out;
    for (const std::string& item : items)
        out += (out.empty() ? "" : separator) + item;
    return out;
}

namespace {

std::string audience_name(Audience audience) {
    switch (audience) {
        case Audience::kAnyone:
            return "anyone";
        case Audience::kVisitors:
            return "visitors";
        case Audience::kSignedIn:
            return "signed-in";
        case Audience::kSession:
            return "session";
    }
    return "?";
}

}  // namespace

void describe_route(const Route& route, std::ostream& out) {
    out << "name " << route.name << "\n"
        << "paths " << join(route.paths, " ") << "\n"
        << "methods " << join(route.methods, " ") << "\n"
        << "audience " << audience_name(route.audience) << "\n"
        << "csrf " << (route.csrf == Csrf::kRequiredOnPost ? "required-on-post" : "none") << "\n"
        << "confirmation " << (route.confirmation == Confirmation::kRecent ? "recent" : "none")
        << "\n"
        << "rate_limit " << route.rate_limit << "\n"
        << "templates " << join(route.templates, " ") << "\n";
}

}  // namespace microblog
