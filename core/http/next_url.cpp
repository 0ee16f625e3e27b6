// The open-redirect check for `next`.
#include "core/http/next_url.h"

#include "core/http/encoding.h"

namespace microblog {

bool is_safe_next(std::string_view next) {
    if (next.size() < 1 || next.size() > kMaxNextLength || next[0] != '/')
        return false;
    if (next.size() > 1 && (next[1] == '/' || next[1] == '\\'))
        return false;
    for (unsigned char c : next) {
        if (c < 0x20 || c == 0x7F || c == '\\')
            return false;
    }
    // A leading '/' already rules out "scheme:" at the start; a ':' later in the path is an
    // ordinary character ("/user/a:b"), which browsers resolve on this site.
    return true;
}

std::string with_next(const std::string& view, std::string_view next) {
    return is_safe_next(next) ? view + "?next=" + url_encode_component(next) : view;
}

std::string redirect_target(std::string_view next, const std::string& fallback) {
    return is_safe_next(next) ? url_encode_path_and_query(next) : fallback;
}

}  // namespace microblog
