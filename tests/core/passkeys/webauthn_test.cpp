// Tests for core/webauthn: authenticatorData's layout, clientDataJSON, the ceremony's rules and
// signatures, with keys made here by OpenSSL.
#include "core/passkeys/webauthn.h"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "core/crypto/crypto.h"
#include "core/http/encoding.h"

namespace microblog {
namespace {

const std::string kRpId = "localhost";
const std::string kOrigin = "http://localhost:8080";

std::string authenticator_data(uint8_t flags, uint32_t count, const std::string& rp_id = kRpId) {
    std::string data = sha256(rp_id);
    data += char(flags);
    for (int shift = 24; shift >= 0; shift -= 8)
        data += char((count >> shift) & 0xff);
    return data;
}

std::string client_data(const std::string& type, const std::string& challenge,
                        const std::string& origin = kOrigin) {
    return R"({"type":")" + type + R"(","challenge":")" + base64url_encode(challenge) +
           R"(","origin":")" + origin + R"(","crossOrigin":false})";
}

struct KeyPair {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{EVP_EC_gen("P-256"), &EVP_PKEY_free};

    std::string public_der() const {
        unsigned char* out = nullptr;
        int length = i2d_PUBKEY(key.get(), &out);
        std::string der(reinterpret_cast<char*>(out), size_t(length));
        OPENSSL_free(out);
        return der;
    }

    std::string sign(const std::string& message) const {
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                        &EVP_MD_CTX_free);
        size_t length = 0;
        EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get());
        EVP_DigestSign(context.get(), nullptr, &length,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size());
        std::string signature(length, '\0');
        EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size());
        signature.resize(length);
        return signature;
    }
};

TEST(AuthenticatorData, ReadsFlagsAndCounterByTheLayout) {
    std::optional<AuthenticatorData> data = parse_authenticator_data(authenticator_data(0x05, 258));
    ASSERT_TRUE(data);
    EXPECT_EQ(data->rp_id_hash, sha256(kRpId));
    EXPECT_TRUE(data->user_present);
    EXPECT_TRUE(data->user_verified);
    EXPECT_EQ(data->sign_count, 258u);
    EXPECT_EQ(data->credential_id, "");
    EXPECT_FALSE(parse_authenticator_data(authenticator_data(0x01, 0).substr(0, 36)));
}

TEST(AuthenticatorData, ReadsTheCredentialIdOfAttestedData) {
    std::string raw = authenticator_data(0x41, 0) + std::string(16, '\0') + std::string("\0\3", 2) +
                      "abc" + "\xa0";
    std::optional<AuthenticatorData> data = parse_authenticator_data(raw);
    ASSERT_TRUE(data);
    EXPECT_EQ(data->credential_id, "abc");
    // Announced but cut short, or empty: refused.
    EXPECT_FALSE(parse_authenticator_data(raw.substr(0, 37 + 16 + 2 + 2)));
    EXPECT_FALSE(parse_authenticator_data(authenticator_data(0x41, 0) + std::string(16, '\0')));
    EXPECT_FALSE(parse_authenticator_data(authenticator_data(0x41, 0) + std::string(18, '\0')));
}

TEST(ClientData, NeedsAnObjectWithStringFields) {
    std::optional<ClientData> data = parse_client_data(client_data("webauthn.get", "c"));
    ASSERT_TRUE(data);
    EXPECT_EQ(data->type, "webauthn.get");
    EXPECT_EQ(data->origin, kOrigin);
    EXPECT_FALSE(data->cross_origin);
    for (const char* bad : {"", "[]", "{", "null", R"({"type":1,"challenge":"","origin":""})",
                            R"({"type":"webauthn.get","origin":"x"})", "\xff\xfe"})
        EXPECT_FALSE(parse_client_data(bad)) << bad;
}

TEST(Ceremony, EveryRuleIsChecked) {
    const std::string challenge = random_bytes(32);
    const Expected expected{"webauthn.get", challenge, kOrigin, kRpId};
    const AuthenticatorData present = *parse_authenticator_data(authenticator_data(0x01, 0));
    EXPECT_EQ(ceremony_problem(client_data("webauthn.get", challenge), present, expected), "");
    EXPECT_NE(ceremony_problem(client_data("webauthn.create", challenge), present, expected), "");
    EXPECT_NE(ceremony_problem(client_data("webauthn.get", random_bytes(32)), present, expected),
              "");
    EXPECT_NE(ceremony_problem(client_data("webauthn.get", challenge, "http://localhost:8081"),
                               present, expected),
              "");
    std::string cross = client_data("webauthn.get", challenge);
    cross.replace(cross.find("false"), 5, "true");
    EXPECT_NE(ceremony_problem(cross, present, expected), "");
    const AuthenticatorData other_rp =
        *parse_authenticator_data(authenticator_data(0x01, 0, "example.org"));
    EXPECT_NE(ceremony_problem(client_data("webauthn.get", challenge), other_rp, expected), "");
    const AuthenticatorData absent = *parse_authenticator_data(authenticator_data(0x04, 0));
    EXPECT_NE(ceremony_problem(client_data("webauthn.get", challenge), absent, expected), "");
}

TEST(Signature, VerifiesOverAuthenticatorDataAndTheClientDataHash) {
    KeyPair pair;
    const std::string auth = authenticator_data(0x01, 1);
    const std::string client = client_data("webauthn.get", "challenge");
    const std::string signature = pair.sign(auth + sha256(client));
    EXPECT_TRUE(signature_valid(pair.public_der(), kCoseEs256, auth, client, signature));
    EXPECT_FALSE(signature_valid(pair.public_der(), kCoseEs256, auth, client + " ", signature));
    EXPECT_FALSE(signature_valid(pair.public_der(), kCoseEs256, auth + "x", client, signature));
    EXPECT_FALSE(signature_valid(pair.public_der(), kCoseRs256, auth, client, signature));
    EXPECT_FALSE(signature_valid(KeyPair().public_der(), kCoseEs256, auth, client, signature));
    std::string altered = signature;
    altered[altered.size() - 1] = char(altered.back() ^ 1);
    EXPECT_FALSE(signature_valid(pair.public_der(), kCoseEs256, auth, client, altered));
    EXPECT_FALSE(signature_valid("not a key", kCoseEs256, auth, client, signature));
    EXPECT_FALSE(signature_valid(pair.public_der() + "x", kCoseEs256, auth, client, signature));
}

TEST(Signature, OnlyP256KeysServeEs256) {
    KeyPair pair;
    EXPECT_TRUE(public_key_usable(pair.public_der(), kCoseEs256));
    EXPECT_FALSE(public_key_usable(pair.public_der(), kCoseRs256));
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> p384(EVP_EC_gen("P-384"), &EVP_PKEY_free);
    unsigned char* out = nullptr;
    int length = i2d_PUBKEY(p384.get(), &out);
    std::string der(reinterpret_cast<char*>(out), size_t(length));
    OPENSSL_free(out);
    EXPECT_FALSE(public_key_usable(der, kCoseEs256));
    EXPECT_FALSE(public_key_usable("", kCoseEs256));
}

}  // namespace
}  // namespace microblog
