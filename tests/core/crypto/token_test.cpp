// Tests for core/crypto/token: new tokens, reading them back from cookies, and the format that
// cookies already in browsers and keys already in the database depend on.
#include "core/crypto/token.h"

#include <gtest/gtest.h>

#include <string>

#include "core/accounts/sessions.h"
#include "core/crypto/crypto.h"
#include "core/http/encoding.h"
#include "core/passkeys/passkeys.h"
#include "core/two_factor/pending_sign_ins.h"

namespace microblog {
namespace {

const std::string kKey(32, 'k');

// Bytes 0x00..0x1f: a secret whose hash and signed values are pinned below.
std::string fixed_secret() {
    std::string secret;
    for (int i = 0; i < 32; ++i)
        secret += static_cast<char>(i);
    return secret;
}

TEST(CookieToken, NewTokenIsRandomSecretItsHashAndItsSignedValue) {
    Signer signer(kKey);
    CookieToken token = new_cookie_token(signer, "session");
    EXPECT_EQ(token.secret.size(), kCookieTokenBytes);
    EXPECT_EQ(token.key, sha256(token.secret));
    EXPECT_EQ(token.key.size(), kCookieTokenKeyBytes);
    EXPECT_EQ(token.cookie_value, signer.sign("session", token.secret));
    EXPECT_FALSE(token.stale_key);
    CookieToken other = new_cookie_token(signer, "session");
    EXPECT_NE(token.secret, other.secret);
    EXPECT_NE(token.key, other.key);
}

TEST(CookieToken, ReadsBackWhatItMade) {
    Signer signer(kKey);
    CookieToken made = new_cookie_token(signer, "webauthn");
    std::optional<CookieToken> read = read_cookie_token(signer, "webauthn", made.cookie_value);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->secret, made.secret);
    EXPECT_EQ(read->key, made.key);
    EXPECT_EQ(read->cookie_value, made.cookie_value);
    EXPECT_FALSE(read->stale_key);
}

// The row key is SHA-256 of the secret (the value is SHA-256 of 00 01 .. 1f, as sha256sum and
// Python's hashlib give it): keys of sessions already in the database depend on it.
TEST(CookieToken, KeyIsPinned) {
    EXPECT_EQ(hex_encode(cookie_token_key(fixed_secret())),
              "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd");
}

// Cookies in browsers now must keep working: these values were computed outside the project
// (Python's hmac) as "<key id>.<base64url secret>.<base64url HMAC>" under the key of 32 'k's.
TEST(CookieToken, CookieValuesArePinnedForEachCookie) {
    Signer signer(kKey);
    const std::string secret = fixed_secret();
    const std::string key_hex = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd";
    struct Pinned {
        std::string_view purpose;
        std::string value;
    };
    const Pinned pinned[] = {
        {kSessionCookie,
         "SVdgYwAu.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8."
         "NKlnUVmjpP9YDNNdvyStC913xqDSFbZYe7ShET8n9Gc"},
        {kPendingSignInCookie,
         "SVdgYwAu.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8."
         "gI7h8mcUdjXdszIcOPjJ4sFNkdCZD3ywpOZZtbPO-fc"},
        {kWebAuthnCookie,
         "SVdgYwAu.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8."
         "3gAMHT39ByswavUqJ5MDHqzNQhiw9v-SmZTfki8bWsw"},
    };
    for (const Pinned& cookie : pinned) {
        EXPECT_EQ(sign_cookie_token(signer, cookie.purpose, secret), cookie.value)
            << cookie.purpose;
        std::optional<CookieToken> read = read_cookie_token(signer, cookie.purpose, cookie.value);
        ASSERT_TRUE(read.has_value()) << cookie.purpose;
        EXPECT_EQ(read->secret, secret);
        EXPECT_EQ(hex_encode(read->key), key_hex);
        EXPECT_FALSE(read->stale_key);
    }
    // The purposes are the cookies' names: renaming one would sign every cookie differently.
    EXPECT_EQ(kSessionCookie, "session");
    EXPECT_EQ(kPendingSignInCookie, "pending_sign_in");
    EXPECT_EQ(kWebAuthnCookie, "webauthn");
}

TEST(CookieToken, ValueBeforeKeyIdsIsReadAndMarkedStale) {
    Signer signer(kKey);
    // "<base64url secret>.<base64url HMAC>", as sessions were signed before key ids.
    const std::string legacy =
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8.79XB1HyftngdxekavPxgSnd0ZOGBp9IloJlzoOdoIxA";
    std::optional<CookieToken> read = read_cookie_token(signer, "session", legacy);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->secret, fixed_secret());
    EXPECT_EQ(read->key, cookie_token_key(fixed_secret()));
    EXPECT_EQ(read->cookie_value, legacy);
    EXPECT_TRUE(read->stale_key);
}

TEST(CookieToken, PreviousKeyStillReadsAndIsMarkedStale) {
    const std::string previous(32, 'p');
    CookieToken made = new_cookie_token(Signer(previous), "session");
    Signer rotated(kKey, previous);
    std::optional<CookieToken> read = read_cookie_token(rotated, "session", made.cookie_value);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->key, made.key);
    EXPECT_TRUE(read->stale_key);
    // Signed again, it is current.
    std::string renewed = sign_cookie_token(rotated, "session", read->secret);
    ASSERT_TRUE(read_cookie_token(rotated, "session", renewed).has_value());
    EXPECT_FALSE(read_cookie_token(rotated, "session", renewed)->stale_key);
    // Without the previous key, nothing.
    EXPECT_FALSE(read_cookie_token(Signer(kKey), "session", made.cookie_value).has_value());
}

TEST(CookieToken, RefusesAnotherCookiesToken) {
    Signer signer(kKey);
    CookieToken made = new_cookie_token(signer, "pending_sign_in");
    EXPECT_FALSE(read_cookie_token(signer, "session", made.cookie_value).has_value());
    EXPECT_FALSE(read_cookie_token(signer, "webauthn", made.cookie_value).has_value());
}

TEST(CookieToken, RefusesTamperedOrMalformedValues) {
    Signer signer(kKey);
    CookieToken made = new_cookie_token(signer, "session");
    std::string tampered = made.cookie_value;
    size_t data_start = tampered.find('.') + 1;
    tampered[data_start] = tampered[data_start] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(read_cookie_token(signer, "session", tampered).has_value());
    EXPECT_FALSE(read_cookie_token(signer, "session", "").has_value());
    EXPECT_FALSE(read_cookie_token(signer, "session", "garbage").has_value());
    EXPECT_FALSE(read_cookie_token(signer, "session", made.cookie_value + "x").has_value());
    EXPECT_FALSE(
        read_cookie_token(Signer(std::string(32, 'x')), "session", made.cookie_value).has_value());
}

// A value that verifies but holds no secret of the right length is no token.
TEST(CookieToken, RefusesSecretsOfAnotherLength) {
    Signer signer(kKey);
    for (size_t length : {size_t{0}, size_t{1}, kCookieTokenBytes - 1, kCookieTokenBytes + 1,
                          2 * kCookieTokenBytes}) {
        std::string value = signer.sign("session", std::string(length, 's'));
        ASSERT_TRUE(signer.verify("session", value).has_value());
        EXPECT_FALSE(read_cookie_token(signer, "session", value).has_value()) << length;
    }
    EXPECT_TRUE(read_cookie_token(signer, "session", signer.sign("session", std::string(32, 's')))
                    .has_value());
}

}  // namespace
}  // namespace microblog
