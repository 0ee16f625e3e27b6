// An error that ends a request with a given HTTP status and a message fit for the visitor.
// Thrown anywhere while handling a request; the server turns it into an error page in one place.
#pragma once

#include <stdexcept>
#include <string>

namespace microblog {

class HttpError : public std::runtime_error {
  public:
    HttpError(int status, const std::string& public_message)
        : std::runtime_error(public_message), status_(status) {}
    int status() const { return status_; }

  private:
    int status_;
};

}  // namespace microblog
