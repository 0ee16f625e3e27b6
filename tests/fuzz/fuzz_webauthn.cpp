// What a passkey ceremony reads from the browser: authenticatorData by its layout and
// clientDataJSON with the JSON library. Any bytes: a value or nothing, never a crash, and the
// ceremony's verdict never "fine" for a challenge nobody issued.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "core/crypto/crypto.h"
#include "core/passkeys/webauthn.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string input(reinterpret_cast<const char*>(data), size);
    std::optional<microblog::AuthenticatorData> parsed = microblog::parse_authenticator_data(input);
    if (parsed && (parsed->rp_id_hash.size() != 32 || parsed->credential_id.size() > size))
        std::abort();
    microblog::parse_client_data(input);
    microblog::AuthenticatorData present;
    present.rp_id_hash = microblog::sha256("localhost");
    present.user_present = true;
    // A challenge of 33 bytes is never issued (they are 32), so no input may pass.
    const microblog::Expected expected{"webauthn.get", std::string(33, 'c'),
                                       "http://localhost:8080", "localhost"};
    if (microblog::ceremony_problem(input, present, expected).empty())
        std::abort();
    return 0;
}
