// Cookie parsing and Set-Cookie formatting.
#include "core/http/cookies.h"

namespace microblog {
namespace {

std::string_view trim_spaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

}  // namespace

std::vector<std::string> cookie_values(std::string_view cookie_header, std::string_view name) {
    std::vector<std::string> values;
    while (!cookie_header.empty()) {
        size_t end = cookie_header.find(';');
        std::string_view pair = cookie_header.substr(0, end);
        cookie_header = end == std::string_view::npos ? "" : cookie_header.substr(end + 1);
        size_t eq = pair.find('=');
        if (eq == std::string_view::npos)
            continue;
        if (trim_spaces(pair.substr(0, eq)) != name)
            continue;
        std::string_view value = trim_spaces(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        }
        values.emplace_back(value);
    }
    return values;
}

std::string CookiePolicy::name(std::string_view base) const {
    return https_ ? "__Host-" + std::string(base) : std::string(base);
}

std::string CookiePolicy::set(std::string_view base, std::string_view value,
                              std::optional<long> max_age_seconds) const {
    std::string cookie = name(base) + "=" + std::string(value) + "; Path=/; HttpOnly; SameSite=Lax";
    if (https_)
        cookie += "; Secure";
    if (max_age_seconds)
        cookie += "; Max-Age=" + std::to_string(*max_age_seconds);
    return cookie;
}

std::string CookiePolicy::clear(std::string_view base) const {
    return set(base, "", 0);
}

}  // namespace microblog
