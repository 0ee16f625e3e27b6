// Form decoding: a urlencoded body (or query string) through cgicc into a checked Form.
#include <cstdint>
#include <string>

#include "core/http/form.h"
#include "core/http/http_error.h"
#include "core/http/next_url.h"
#include "core/http/request.h"

using microblog::FieldRule;
using microblog::Form;
using microblog::Request;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0)
        return 0;
    // The first byte chooses where the rest arrives: the body of a POST or a GET's query.
    bool as_body = data[0] & 1;
    std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
    Request::Params params{{"REQUEST_METHOD", as_body ? "POST" : "GET"},
                           {"CONTENT_TYPE", "application/x-www-form-urlencoded"},
                           {"CONTENT_LENGTH", std::to_string(as_body ? input.size() : 0)},
                           {"QUERY_STRING", as_body ? "" : input},
                           {"HTTP_COOKIE", input}};
    try {
        Request request(std::move(params), as_body ? input : "");
        request.read_form({{"username", 64},
                           {"email", 120},
                           {"password", 1024, FieldRule::Unit::kBytes, false},
                           {"csrf_token", 64},
                           microblog::kNextField});
        Form form = request.form();
        form.require("username");
        (void)microblog::is_email_address(form.value("email"));
        (void)request.cookies("session");
        (void)microblog::redirect_target(form.value("next"), "/index");
    } catch (const microblog::HttpError&) {
        // A request the site answers with 4xx: an expected outcome, not a finding.
    }
    return 0;
}
