// The checks the WebAuthn specification asks of a relying party, for passkeys: parsing what the
// browser sends (clientDataJSON with a JSON library, authenticatorData by its fixed layout; no
// CBOR is read: the public key comes as SPKI from the browser's getPublicKey()) and verifying
// signatures with OpenSSL. No database here: core/passkeys/passkeys.h stores credentials and
// challenges.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace microblog {

// COSE algorithm identifiers the site accepts (browsers' passkeys use ES256; RS256 for Windows
// Hello's older authenticators).
inline constexpr long kCoseEs256 = -7;
inline constexpr long kCoseRs256 = -257;

struct AuthenticatorData {
    std::string rp_id_hash;  // 32 bytes
    bool user_present = false;
    bool user_verified = false;
    uint32_t sign_count = 0;
    std::string credential_id;  // only with attested credential data (registration)
};

// By the layout rpIdHash(32) | flags(1) | signCount(4) | [AAGUID(16) | L(2) | credentialId(L)
// | public key]. Nothing when it is too short for what its flags announce.
std::optional<AuthenticatorData> parse_authenticator_data(std::string_view raw);

struct ClientData {
    std::string type;
    std::string challenge;  // base64url, as the browser wrote it
    std::string origin;
    bool cross_origin = false;
};

// Nothing when it is not a JSON object with string type, challenge and origin.
std::optional<ClientData> parse_client_data(std::string_view json);

// What a ceremony's answer must match.
struct Expected {
    std::string type;       // "webauthn.create" or "webauthn.get"
    std::string challenge;  // the raw bytes the server issued
    std::string origin;     // e.g. "https://example.org" or "http://localhost:8080"
    std::string rp_id;      // e.g. "example.org" or "localhost"
};

// The first rule `client_data_json` and `authenticator_data` break, for the log (empty when all
// hold): type, challenge, origin, not cross-origin, rpIdHash, user present.
std::string ceremony_problem(std::string_view client_data_json, const AuthenticatorData& data,
                             const Expected& expected);

// Whether `signature` is the credential's signature (`algorithm`, a COSE identifier) over
// authenticatorData || SHA-256(clientDataJSON), with the key in SubjectPublicKeyInfo DER.
bool signature_valid(std::string_view public_key_der, long algorithm,
                     std::string_view authenticator_data, std::string_view client_data_json,
                     std::string_view signature);

// Whether the key parses as SPKI DER of a kind `algorithm` names (EC P-256 or RSA).
bool public_key_usable(std::string_view public_key_der, long algorithm);

}  // namespace microblog
