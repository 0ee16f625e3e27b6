// Turning FastCGI parameters and a body into a Request.
#include "core/http/request.h"

#include <cgicc/CgiInput.h>
#include <cgicc/Cgicc.h>

#include <algorithm>
#include <cstring>

#include "core/http/cookies.h"
#include "core/http/http_error.h"

namespace microblog {
namespace {

// cgicc's default input reads std::cin and the process environment, which under FastCGI
// belong to no request; this one serves the request's own parameters and buffered body.
class BufferedCgiInput : public cgicc::CgiInput {
  public:
    BufferedCgiInput(const Request::Params& params, const std::string& body)
        : params_(params), body_(body) {}

    size_t read(char* data, size_t length) override {
        size_t n = std::min(length, body_.size() - offset_);
        std::memcpy(data, body_.data() + offset_, n);
        offset_ += n;
        return n;
    }

    std::string getenv(const char* name) override {
        auto it = params_.find(name);
        return it == params_.end() ? "" : it->second;
    }

  private:
    const Request::Params& params_;
    const std::string& body_;
    size_t offset_ = 0;
};

std::string lower_ascii(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

Request::Request(Params params, std::string body) : params_(std::move(params)) {
    method_ = param("REQUEST_METHOD");
    // Only url-encoded bodies reach here; cgicc's multipart parser is never exercised.
    params_["CONTENT_LENGTH"] = std::to_string(body.size());
    BufferedCgiInput input(params_, body);
    try {
        cgicc::Cgicc cgi(&input);
        for (const cgicc::FormEntry& entry : cgi.getElements()) {
            auto [it, inserted] = fields_.emplace(lower_ascii(entry.getName()), entry.getValue());
            if (!inserted)
                throw HttpError(400, "A form field was sent more than once.");
        }
    } catch (const HttpError&) {
        throw;
    } catch (const std::exception&) {
        throw HttpError(400, "The form could not be read.");
    }
}

std::string Request::param(const std::string& name) const {
    auto it = params_.find(name);
    return it == params_.end() ? "" : it->second;
}

std::vector<std::string> Request::cookies(std::string_view name) const {
    return cookie_values(param("HTTP_COOKIE"), name);
}

size_t checked_body_length(const std::string& method, const std::string& content_type,
                           const std::string& content_length, size_t max_bytes) {
    if (method != "POST")
        return 0;
    std::string type = lower_ascii(content_type.substr(0, content_type.find(';')));
    type.erase(type.find_last_not_of(" \t") + 1);
    if (content_length.empty() || content_length == "0")
        return 0;
    if (type != "application/x-www-form-urlencoded") {
        throw HttpError(415, "This page accepts only forms sent by a browser.");
    }
    if (content_length.find_first_not_of("0123456789") != std::string::npos ||
        content_length.size() > 9) {
        throw HttpError(400, "The request's length is not valid.");
    }
    size_t length = std::stoul(content_length);
    if (length > max_bytes)
        throw HttpError(413, "The form is too large.");
    return length;
}

}  // namespace microblog
