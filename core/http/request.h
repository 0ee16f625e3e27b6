// One request as a route sees it: FastCGI parameters, cookies, form fields (parsed with cgicc)
// and the visitor's identity, which the core resolves from the session cookie before the route
// runs (core/server/request_policy.cpp).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/form.h"

namespace microblog {

// Who is asking: a live session's user, or nobody (a visitor).
struct Identity {
    std::string user_id;
    std::string username;
    std::string session_key;  // hex SHA-256 of the session token, the sessions table's key
    std::string csrf_token;   // the token forms of this session must carry
    std::string
        csrf_binding;  // what the token is made from (a token of a previous key matches too)
    // Set-Cookie for the same session signed with the current key, when the cookie was signed
    // with a previous one (core/server/request_policy.cpp sends it with the response).
    std::string renewed_cookie;
    bool signed_in() const { return !user_id.empty(); }
};

// Rows a route's companion read (SessionStore) brought back with the session lookup, without the
// tag column: each value as text, or nothing for NULL.
using CompanionRows = std::vector<std::vector<std::optional<std::string>>>;

class Request {
  public:
    using Params = std::map<std::string, std::string>;

    // Parses the query string and, for POST, the url-encoded `body` with cgicc. Field names
    // are folded to lower case (cgicc matches them case-insensitively); a field sent twice is
    // a 400, so no route ever has to guess which copy was meant.
    Request(Params params, std::string body);

    const std::string& method() const { return method_; }
    std::string param(const std::string& name) const;
    std::vector<std::string> cookies(std::string_view name) const;
    // The query and form fields the route declared, checked against its rules (form.h); set
    // by read_form() before the handler runs. The raw values are not reachable from a route.
    const Form& form() const { return form_; }
    void read_form(const std::vector<FieldRule>& rules) { form_ = Form(fields_, rules); }
    const Identity& identity() const { return identity_; }
    void set_identity(Identity identity) { identity_ = std::move(identity); }
    // The rows of the route's companion read; empty for a visitor.
    const CompanionRows& companion_rows() const { return companion_rows_; }
    void set_companion_rows(CompanionRows rows) { companion_rows_ = std::move(rows); }

  private:
    Params params_;
    std::string method_;
    std::map<std::string, std::string> fields_;
    Form form_;
    Identity identity_;
    CompanionRows companion_rows_;
};

// The byte count of a request body, after the checks cgicc does not make: a POST must be
// url-encoded (415 otherwise) and state its length as plain digits no larger than
// `max_bytes` (400 or 413). Other methods have no body here: 0. Throws HttpError.
size_t checked_body_length(const std::string& method, const std::string& content_type,
                           const std::string& content_length, size_t max_bytes);

}  // namespace microblog
