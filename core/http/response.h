// What a route answers: status, headers, cookies and body, written as a FastCGI response.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace microblog {

class Response {
  public:
    static Response html(int status, std::string body);
    // `location` must be a local path already made safe (see next_url.h).
    static Response redirect(const std::string& location);
    // Hands the request to nginx's `location` (X-Accel-Redirect), which answers in its place.
    // Nothing else is sent: nginx would keep some of the headers beside its own.
    static Response to_nginx(int status, const std::string& location);
    // A JSON body for the passkey script (static/passkeys.js); never cached.
    static Response json(int status, std::string body);
    // A plain-text file the browser saves as `filename` (letters, digits, '.', '-' only).
    static Response download(const std::string& filename, std::string text);

    int status() const { return status_; }
    const std::string& body() const { return body_; }
    // Throws std::logic_error for a name or value containing CR, LF or NUL: a header value
    // reaching here with those would be a bug, never something to pass on.
    void set_header(const std::string& name, const std::string& value);
    // The first value of `name`, or an empty string.
    std::string header(const std::string& name) const;
    std::vector<std::string> headers(const std::string& name) const;

    // "Status:", headers and body, as a FastCGI responder sends them.
    std::string serialize() const;

  private:
    Response(int status, std::string body) : status_(status), body_(std::move(body)) {}

    int status_;
    std::vector<std::pair<std::string, std::string>> headers_;
    std::string body_;
};

const char* reason_phrase(int status);

}  // namespace microblog
