// Tests for core/totp against RFC 6238's test vectors (SHA-1, secret "12345678901234567890"),
// cut to the 6 digits authenticator apps show.
#include "core/two_factor/totp.h"

#include <gtest/gtest.h>

#include <string>

namespace microblog {
namespace {

const std::string kRfcSecret = "12345678901234567890";

TEST(Totp, MatchesTheRfc6238Vectors) {
    // RFC 6238 appendix B gives 8 digits; the last 6 are the 6-digit code.
    EXPECT_EQ(totp_code_at(kRfcSecret, 59 / 30), "287082");
    EXPECT_EQ(totp_code_at(kRfcSecret, 1111111109 / 30), "081804");
    EXPECT_EQ(totp_code_at(kRfcSecret, 1234567890 / 30), "005924");
    EXPECT_EQ(totp_code_at(kRfcSecret, 2000000000 / 30), "279037");
}

TEST(Totp, AcceptsTheCurrentStepAndOneEitherSide) {
    const time_t now = 1234567890;
    const uint64_t step = uint64_t(now / 30);
    for (uint64_t accepted : {step - 1, step, step + 1})
        EXPECT_EQ(totp_step_of(kRfcSecret, totp_code_at(kRfcSecret, accepted), now), accepted);
    EXPECT_FALSE(totp_step_of(kRfcSecret, totp_code_at(kRfcSecret, step - 2), now));
    EXPECT_FALSE(totp_step_of(kRfcSecret, totp_code_at(kRfcSecret, step + 2), now));
}

TEST(Totp, IgnoresSpacesAndRefusesAnythingButSixDigits) {
    const time_t now = 1234567890;
    const std::string code = totp_code_at(kRfcSecret, uint64_t(now / 30));
    EXPECT_TRUE(totp_step_of(kRfcSecret, code.substr(0, 3) + " " + code.substr(3), now));
    for (const std::string& bad :
         {std::string(""), code.substr(0, 5), code + "0", std::string("abcdef"),
          "-" + code.substr(1), code.substr(0, 5) + "\n", std::string("00000\0", 6)})
        EXPECT_FALSE(totp_step_of(kRfcSecret, bad, now)) << bad;
}

TEST(Totp, SecretsAreRandom160BitValuesInBase32) {
    std::string secret = new_totp_secret();
    EXPECT_EQ(secret.size(), 20u);
    EXPECT_NE(secret, new_totp_secret());
    EXPECT_EQ(base32_secret(kRfcSecret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

TEST(Totp, TheOtpauthUriNamesTheSiteAndTheUser) {
    EXPECT_EQ(otpauth_uri("susan", kRfcSecret),
              "otpauth://totp/Microblog:susan?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
              "&issuer=Microblog");
    EXPECT_EQ(otpauth_uri("a b&c", kRfcSecret).substr(0, 34), "otpauth://totp/Microblog:a%20b%26c");
}

}  // namespace
}  // namespace microblog
