// Encoding flashes into a signed cookie and back.
#include "core/pages/flash.h"

namespace microblog {

std::string flash_cookie(const Signer& signer, const CookiePolicy& cookies,
                         const std::vector<std::string>& messages) {
    std::string joined;
    for (const std::string& message : messages) {
        if (!joined.empty())
            joined += '\n';
        joined += message;
    }
    return cookies.set(kFlashCookie, signer.sign(kFlashCookie, joined));
}

std::vector<std::string> read_flashes(const Signer& signer,
                                      const std::vector<std::string>& cookie_values) {
    for (const std::string& value : cookie_values) {
        std::optional<Verified> verified = signer.verify(kFlashCookie, value);
        if (!verified)
            continue;
        const std::string* joined = &verified->data;
        std::vector<std::string> messages;
        size_t start = 0;
        while (start <= joined->size()) {
            size_t end = joined->find('\n', start);
            if (end == std::string::npos)
                end = joined->size();
            if (end > start)
                messages.push_back(joined->substr(start, end - start));
            start = end + 1;
        }
        return messages;
    }
    return {};
}

std::optional<std::string> notice_message(const std::vector<std::string>& cookie_values) {
    for (const std::string& code : cookie_values) {
        if (code == "login_required")
            return "Please log in to access this page.";
    }
    return std::nullopt;
}

}  // namespace microblog
