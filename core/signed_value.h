// Values that travel through the browser and must come back unaltered: "<base64url data>.<mac>".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace microblog {

class Signer {
  public:
    explicit Signer(std::string key) : key_(std::move(key)) {}

    // `purpose` names what the value is for (the cookie's name, say): a value signed for one
    // purpose does not verify for another.
    std::string sign(std::string_view purpose, std::string_view data) const;
    // The data, or nothing when the value is malformed, truncated, oversized or tampered with.
    std::optional<std::string> verify(std::string_view purpose, std::string_view value) const;

    // A MAC of `data` for `purpose`, base64url-encoded (used for CSRF tokens).
    std::string mac(std::string_view purpose, std::string_view data) const;

  private:
    std::string key_;
};

}  // namespace microblog
