// Reading the Cookie header and writing Set-Cookie values with this site's attributes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace microblog {

// Every value sent for `name`, in header order (a browser may send several, e.g. for
// different paths). Names are compared exactly, after trimming spaces.
std::vector<std::string> cookie_values(std::string_view cookie_header, std::string_view name);

// Cookie names and attributes: always HttpOnly, SameSite=Lax and Path=/; over HTTPS also
// Secure with the __Host- prefix, which browsers only accept from a secure origin for the
// whole host, so a sibling subdomain cannot plant one.
class CookiePolicy {
  public:
    explicit CookiePolicy(bool https) : https_(https) {}

    std::string name(std::string_view base) const;
    // A Set-Cookie value. Without max_age the cookie ends with the browser session.
    std::string set(std::string_view base, std::string_view value,
                    std::optional<long> max_age_seconds = std::nullopt) const;
    std::string clear(std::string_view base) const;

  private:
    bool https_;
};

}  // namespace microblog
