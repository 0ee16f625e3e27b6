// Signed values (the session, presession and flash cookies): random bytes never verify unless
// they are a genuine signature, and whatever is signed comes back unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/signed_value.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const microblog::Signer signer(std::string(64, 'k'));
    std::string input(reinterpret_cast<const char*>(data), size);
    if (auto verified = signer.verify("session", input)) {
        // Only a value this key signed for this purpose may verify.
        if (signer.sign("session", *verified) != input)
            std::abort();
    }
    std::string signed_value = signer.sign("session", input);
    auto back = signer.verify("session", signed_value);
    // Oversized data is refused by design; anything else must come back as it was.
    if (back && *back != input)
        std::abort();
    if (signer.verify("flash", signed_value))
        std::abort();
    return 0;
}
