// WebAuthn's relying-party checks with nlohmann::json and OpenSSL.
#include "core/passkeys/webauthn.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "core/crypto/crypto.h"
#include "core/http/encoding.h"

namespace microblog {
namespace {
constexpr size_t kRpIdHashBytes = 32;
constexpr size_t kAaguidBytes = 16;
constexpr uint8_t kFlagUserPresent = 0x01;
constexpr uint8_t kFlagUserVerified = 0x04;
constexpr uint8_t kFlagAttestedData = 0x40;

uint32_t big_endian(std::string_view bytes) {
    uint32_t value = 0;
    for (unsigned char byte : bytes)
        value = (value << 8) | byte;
    return value;
}

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

// The key, when `der` is exactly one SubjectPublicKeyInfo (nothing after it).
Key parse_key(std::string_view der) {
    const auto* start = reinterpret_cast<const unsigned char*>(der.data());
    const unsigned char* p = start;
    Key key(d2i_PUBKEY(nullptr, &p, long(der.size())), &EVP_PKEY_free);
    if (key && p != start + der.size())
        key.reset();
    return key;
}

// ES256 is ECDSA on P-256 only: other 256-bit curves (secp256k1, brainpool) are not it.
bool is_p256(const EVP_PKEY* key) {
    char group[64] = {};
    size_t length = 0;
    return EVP_PKEY_is_a(key, "EC") &&
           EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                          &length) == 1 &&
           std::string_view(group, length) == SN_X9_62_prime256v1;
}

bool key_matches(const EVP_PKEY* key, long algorithm) {
    if (algorithm == kCoseEs256)
        return is_p256(key);
    if (algorithm == kCoseRs256)
        return EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) >= 2048;
    return false;
}
}  // namespace

std::optional<AuthenticatorData> parse_authenticator_data(std::string_view raw) {
    constexpr size_t kFixed = kRpIdHashBytes + 1 + 4;
    if (raw.size() < kFixed)
        return std::nullopt;
    AuthenticatorData data;
    data.rp_id_hash = std::string(raw.substr(0, kRpIdHashBytes));
    const uint8_t flags = uint8_t(raw[kRpIdHashBytes]);
    data.user_present = flags & kFlagUserPresent;
    data.user_verified = flags & kFlagUserVerified;
    data.sign_count = big_endian(raw.substr(kRpIdHashBytes + 1, 4));
    if (flags & kFlagAttestedData) {
        size_t at = kFixed + kAaguidBytes;
        if (raw.size() < at + 2)
            return std::nullopt;
        const size_t length = big_endian(raw.substr(at, 2));
        at += 2;
        if (length == 0 || raw.size() < at + length)
            return std::nullopt;
        data.credential_id = std::string(raw.substr(at, length));
    }
    return data;
}

std::optional<ClientData> parse_client_data(std::string_view json) {
    nlohmann::json parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object())
        return std::nullopt;
    for (const char* key : {"type", "challenge", "origin"}) {
        if (!parsed.contains(key) || !parsed[key].is_string())
            return std::nullopt;
    }
    ClientData data;
    data.type = parsed["type"].get<std::string>();
    data.challenge = parsed["challenge"].get<std::string>();
    data.origin = parsed["origin"].get<std::string>();
    data.cross_origin = parsed.contains("crossOrigin") && parsed["crossOrigin"].is_boolean() &&
                        parsed["crossOrigin"].get<bool>();
    return data;
}

std::string ceremony_problem(std::string_view client_data_json, const AuthenticatorData& data,
                             const Expected& expected) {
    std::optional<ClientData> client = parse_client_data(client_data_json);
    if (!client)
        return "clientDataJSON is not the JSON object WebAuthn defines";
    if (client->type != expected.type)
        return "type is " + client->type + ", not " + expected.type;
    std::optional<std::string> challenge = base64url_decode(client->challenge);
    if (!challenge || !constant_time_equal(*challenge, expected.challenge))
        return "the challenge is not the one issued";
    if (client->origin != expected.origin)
        return "the origin is not " + expected.origin;
    if (client->cross_origin)
        return "the ceremony ran in a cross-origin frame";
    if (!constant_time_equal(data.rp_id_hash, sha256(expected.rp_id)))
        return "rpIdHash is not the hash of " + expected.rp_id;
    if (!data.user_present)
        return "the user-present flag is not set";
    return "";
}

bool signature_valid(std::string_view public_key_der, long algorithm,
                     std::string_view authenticator_data, std::string_view client_data_json,
                     std::string_view signature) {
    Key key = parse_key(public_key_der);
    if (!key || !key_matches(key.get(), algorithm))
        return false;
    const std::string signed_data = std::string(authenticator_data) + sha256(client_data_json);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                    &EVP_MD_CTX_free);
    if (!context ||
        EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1)
        return false;
    return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(signed_data.data()),
                            signed_data.size()) == 1;
}

bool public_key_usable(std::string_view public_key_der, long algorithm) {
    Key key = parse_key(public_key_der);
    return key && key_matches(key.get(), algorithm);
}

}  // namespace microblog
