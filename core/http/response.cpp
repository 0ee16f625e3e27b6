// Building and serialising responses.
#include "core/http/response.h"

#include <stdexcept>

namespace microblog {
namespace {

bool has_header_breaking_character(const std::string& s) {
    return s.find_first_of(std::string("\r\n\0", 3)) != std::string::npos;
}

}  // namespace

const char* reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 302:
            return "Found";
        case 303:
            return "See Other";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 411:
            return "Length Required";
        case 413:
            return "Content Too Large";
        case 415:
            return "Unsupported Media Type";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return "Unknown";
    }
}

Response Response::to_nginx(int status, const std::string& location) {
    Response response(status, "");
    response.set_header("X-Accel-Redirect", location);
    return response;
}

Response Response::json(int status, std::string body) {
    Response response(status, std::move(body));
    response.set_header("Content-Type", "application/json");
    response.set_header("Cache-Control", "no-store");
    response.set_header("X-Content-Type-Options", "nosniff");
    return response;
}

Response Response::download(const std::string& filename, std::string text) {
    for (char c : filename) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '.' || c == '-';
        if (!plain)
            throw std::logic_error("download file name must be plain: " + filename);
    }
    Response response(200, std::move(text));
    response.set_header("Content-Type", "text/plain; charset=utf-8");
    response.set_header("Content-Disposition", "attachment; filename=\"" + filename + "\"");
    response.set_header("Cache-Control", "no-store");
    response.set_header("X-Content-Type-Options", "nosniff");
    return response;
}

Response Response::html(int status, std::string body) {
    Response response(status, std::move(body));
    response.set_header("Content-Type", "text/html; charset=utf-8");
    // Pages carry per-visitor content and CSRF tokens: never keep them in a shared cache.
    response.set_header("Cache-Control", "no-store");
    // No page of this site is meant to be framed (clickjacking a sign-in form), sniffed as
    // another type, or to leak its URL (with ?next=) to other sites.
    response.set_header("X-Frame-Options", "DENY");
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_header("Referrer-Policy", "same-origin");
    return response;
}

Response Response::redirect(const std::string& location) {
    Response response(302, "");
    response.set_header("Location", location);
    response.set_header("Cache-Control", "no-store");
    return response;
}

void Response::set_header(const std::string& name, const std::string& value) {
    if (has_header_breaking_character(name) || has_header_breaking_character(value)) {
        throw std::logic_error("header " + name + " contains a line break or NUL");
    }
    headers_.emplace_back(name, value);
}

std::string Response::header(const std::string& name) const {
    for (const auto& [n, v] : headers_) {
        if (n == name)
            return v;
    }
    return "";
}

std::vector<std::string> Response::headers(const std::string& name) const {
    std::vector<std::string> values;
    for (const auto& [n, v] : headers_) {
        if (n == name)
            values.push_back(v);
    }
    return values;
}

std::string Response::serialize() const {
    std::string out = "Status: " + std::to_string(status_) + " " + reason_phrase(status_) + "\r\n";
    for (const auto& [name, value] : headers_)
        out += name + ": " + value + "\r\n";
    out += "\r\n";
    out += body_;
    return out;
}

}  // namespace microblog
