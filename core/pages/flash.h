// One-shot messages ("flashes") carried to the next page in a signed cookie, so they need no
// server state and cannot be forged to show a visitor words the site never said.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/crypto/signed_value.h"
#include "core/http/cookies.h"

namespace microblog {

inline constexpr std::string_view kFlashCookie = "flash";
// nginx cannot sign a flash, so the redirect it answers for a page that needs sign-in
// (nginx/microblog.conf, @login) sets this unsigned cookie to a fixed code instead. Forging it
// can only make the site show its own sentence, once.
inline constexpr std::string_view kNoticeCookie = "notice";

// The Set-Cookie value carrying `messages`.
std::string flash_cookie(const Signer& signer, const CookiePolicy& cookies,
                         const std::vector<std::string>& messages);
// The messages in the first flash cookie that verifies; none for a tampered or absent one.
std::vector<std::string> read_flashes(const Signer& signer,
                                      const std::vector<std::string>& cookie_values);

// The message of the first known notice code among the notice cookie's values.
std::optional<std::string> notice_message(const std::vector<std::string>& cookie_values);

}  // namespace microblog
