// Signed values (the session and flash cookies): random bytes never verify unless they are a
// genuine signature of the current or the previous key (or a value of the current key from
// before values carried a key id), and whatever is signed comes back unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/crypto/crypto.h"
#include "core/crypto/signed_value.h"
#include "core/http/encoding.h"

namespace {
const std::string kCurrent(64, 'k');
const std::string kPrevious(64, 'p');

bool genuine(const microblog::Signer& signer, const std::string& input,
             const microblog::Verified& verified) {
    static const microblog::Signer previous(kPrevious);
    if (!verified.stale_key)
        return signer.sign("session", verified.data) == input;
    std::string legacy =
        microblog::base64url_encode(verified.data) + "." +
        microblog::base64url_encode(microblog::hmac_sha256(kCurrent, "session", verified.data));
    return previous.sign("session", verified.data) == input || legacy == input;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const microblog::Signer signer(kCurrent, kPrevious);
    std::string input(reinterpret_cast<const char*>(data), size);
    if (auto verified = signer.verify("session", input)) {
        if (!genuine(signer, input, *verified))
            std::abort();
    }
    std::string signed_value = signer.sign("session", input);
    auto back = signer.verify("session", signed_value);
    // Oversized data is refused by design; anything else must come back as it was.
    if (back && (back->data != input || back->stale_key))
        std::abort();
    if (signer.verify("flash", signed_value))
        std::abort();
    if (signer.tag_matches("session", input, input))
        std::abort();
    return 0;
}
