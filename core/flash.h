// One-shot messages ("flashes") carried to the next page in a signed cookie, so they need no
// server state and cannot be forged to show a visitor words the site never said.
#pragma once

#include <string>
#include <vector>

#include "cookies.h"
#include "signed_value.h"

namespace microblog {

inline constexpr std::string_view kFlashCookie = "flash";

// The Set-Cookie value carrying `messages`.
std::string flash_cookie(const Signer& signer, const CookiePolicy& cookies,
                         const std::vector<std::string>& messages);
// The messages in the first flash cookie that verifies; none for a tampered or absent one.
std::vector<std::string> read_flashes(const Signer& signer,
                                      const std::vector<std::string>& cookie_values);

}  // namespace microblog
