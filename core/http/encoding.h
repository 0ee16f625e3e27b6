// Byte encodings used in cookies, headers and URLs: base64url, hex and percent-encoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace microblog {

std::string base64url_encode(std::string_view bytes);
// Strict: rejects padding, characters outside the alphabet and impossible lengths.
std::optional<std::string> base64url_decode(std::string_view text);

std::string hex_encode(std::string_view bytes);
std::optional<std::string> hex_decode(std::string_view text);

// Percent-encodes every byte except RFC 3986 unreserved characters: safe as a query value.
std::string url_encode_component(std::string_view text);
// Percent-encodes only what may not appear in a path-and-query (spaces, controls, non-ASCII,
// quotes, angle brackets...), keeping '/', '?', '&', '=', '%' and the like as they are.
std::string url_encode_path_and_query(std::string_view text);

}  // namespace microblog
