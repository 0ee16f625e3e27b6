// liboath under the TOTP interface the routes use.
#include "core/two_factor/totp.h"

#include <liboath/oath.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "core/crypto/crypto.h"
#include "core/http/encoding.h"

namespace microblog {
namespace {
constexpr unsigned kStepSeconds = 30;
constexpr unsigned kDigits = 6;
constexpr size_t kDriftSteps = 1;

// liboath wants oath_init() once per process before use; a function-local static makes it on
// first use, in whichever worker gets there.
void ensure_oath() {
    static const int status = oath_init();
    if (status != OATH_OK)
        throw std::runtime_error(std::string("oath_init failed: ") + oath_strerror(status));
}

std::string digits_only(std::string_view code) {
    std::string digits;
    for (char c : code) {
        if (c == ' ')
            continue;
        if (c < '0' || c > '9' || digits.size() == kDigits)
            return "";
        digits += c;
    }
    return digits.size() == kDigits ? digits : "";
}
}  // namespace

std::string new_totp_secret() {
    return random_bytes(kTotpSecretBytes);
}

std::string base32_secret(std::string_view secret) {
    ensure_oath();
    char* encoded = nullptr;
    size_t length = 0;
    if (oath_base32_encode(secret.data(), secret.size(), &encoded, &length) != OATH_OK)
        throw std::runtime_error("oath_base32_encode failed");
    std::unique_ptr<char, decltype(&std::free)> owned(encoded, &std::free);
    std::string text(encoded, length);
    text.erase(text.find_last_not_of('=') + 1);
    return text;
}

std::string otpauth_uri(std::string_view username, std::string_view secret) {
    return "otpauth://totp/Microblog:" + url_encode_component(username) +
           "?secret=" + base32_secret(secret) + "&issuer=Microblog";
}

std::optional<uint64_t> totp_step_of(std::string_view secret, std::string_view code, time_t now) {
    ensure_oath();
    const std::string digits = digits_only(code);
    if (digits.empty())
        return std::nullopt;
    int position = 0;
    uint64_t step = 0;
    int result = oath_totp_validate3(secret.data(), secret.size(), now, kStepSeconds, 0,
                                     kDriftSteps, &position, &step, digits.c_str());
    if (result < 0)
        return std::nullopt;
    return step;
}

std::string totp_code_at(std::string_view secret, uint64_t step) {
    ensure_oath();
    char code[kDigits + 1] = {};
    if (oath_totp_generate(secret.data(), secret.size(), time_t(step * kStepSeconds), kStepSeconds,
                           0, kDigits, code) != OATH_OK)
        throw std::runtime_error("oath_totp_generate failed");
    return code;
}

}  // namespace microblog
