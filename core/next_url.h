// Where to send a visitor after signing in: the `next` parameter, but only when it is a path
// on this site. Anything else would make the login page an open redirect.
#pragma once

#include <string>
#include <string_view>

namespace microblog {

// True for a path starting with exactly one '/', not followed by '/' or '\', with no
// backslash, no control character (CR, LF, NUL...) and no scheme.
bool is_safe_next(std::string_view next);

// `next` made ready for a Location header when safe (characters not allowed in a URL
// percent-encoded), otherwise `fallback`.
std::string redirect_target(std::string_view next, const std::string& fallback);

}  // namespace microblog
