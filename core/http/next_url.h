// Where to send a visitor after signing in: the `next` parameter, but only when it is a path
// on this site. Anything else would make the login page an open redirect.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/http/form.h"

namespace microblog {

// The longest `next` kept, in bytes as decoded. A redirect carries `next` URL-encoded, up to
// three times longer (/login?next=..., /confirm?next=...): 3 x 2048 bytes still fits nginx's
// 8 KiB request line when the browser follows it, and its FastCGI header buffer
// (nginx/microblog.conf). A longer one is dropped like an unsafe one.
constexpr std::size_t kMaxNextLength = 2048;

// `next` as a page declares it (route.h): bytes as sent, and a bad one dropped, not an error.
inline const FieldRule kNextField{.name = "next",
                                  .max_length = kMaxNextLength,
                                  .unit = FieldRule::Unit::kBytes,
                                  .trim = false,
                                  .drop_when_bad = true};

// True for a path of at most kMaxNextLength bytes starting with exactly one '/', not followed
// by '/' or '\', with no backslash, no control character (CR, LF, NUL...) and no scheme.
bool is_safe_next(std::string_view next);

// `view` (/login, /confirm) with `?next=` and `next` URL-encoded when safe, else `view` alone.
std::string with_next(const std::string& view, std::string_view next);

// `next` made ready for a Location header when safe (characters not allowed in a URL
// percent-encoded), otherwise `fallback`.
std::string redirect_target(std::string_view next, const std::string& fallback);

}  // namespace microblog
