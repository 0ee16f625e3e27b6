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

std::string part_names(unsigned parts) {
    std::vector<std::string> names;
    const std::pair<unsigned, const char*> kParts[] = {{kNeedsLoginThrottle, "login-throttle"},
                                                       {kNeedsPasswordPolicy, "password-policy"},
                                                       {kNeedsAccountSessions, "account-sessions"},
                                                       {kNeedsTwoFactor, "two-factor"},
                                                       {kNeedsPasskeys, "passkeys"},
                                                       {kNeedsPasswordResets, "password-resets"},
                                                       {kNeedsOutbox, "outbox"}};
    for (const auto& [part, name] : kParts) {
        if (parts & part)
            names.push_back(name);
    }
    return join(names, " ");
}

std::string field_names(const std::vector<FieldRule>& fields) {
    std::vector<std::string> names;
    for (const FieldRule& field : fields)
        names.push_back(field.name);
    return join(names, " ");
}

}  // namespace

void describe_route(const Route& route, unsigned parts, std::ostream& out) {
    out << "name " << route.name << "\n"
        << "paths " << join(route.paths, " ") << "\n"
        << "methods " << join(route.methods, " ") << "\n"
        << "audience " << audience_name(route.audience) << "\n"
        << "csrf " << (route.csrf == Csrf::kRequiredOnPost ? "required-on-post" : "none") << "\n"
        << "confirmation " << (route.confirmation == Confirmation::kRecent ? "recent" : "none")
        << "\n"
        << "rate_limit " << route.rate_limit << "\n"
        << "referrer_policy "
        << (route.referrer_policy == ReferrerPolicy::kNoReferrer ? "no-referrer" : "same-origin")
        << "\n"
        << "title " << route.page.title << "\n"
        << "templates " << route.page.content_template << "\n"
        << "fields " << field_names(route.fields) << "\n"
        << "parts " << part_names(parts) << "\n";
    for (const Action& action : route.actions)
        out << "action " << action.name << " " << field_names(action.fields) << "\n";
}

}  // namespace microblog
