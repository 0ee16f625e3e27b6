// Tests for core/csrf: tokens bound to a session or pre-session value.
#include "core/crypto/csrf.h"

#include <gtest/gtest.h>

#include <string>

namespace microblog {
namespace {

const Signer kSigner(std::string(32, 'k'));

TEST(Csrf, TokenMatchesItsBinding) {
    std::string token = csrf_token_for(kSigner, "session-token-1");
    EXPECT_FALSE(token.empty());
    EXPECT_TRUE(csrf_token_matches(kSigner, "session-token-1", token));
}

TEST(Csrf, TokenIsStableForOneBinding) {
    EXPECT_EQ(csrf_token_for(kSigner, "binding"), csrf_token_for(kSigner, "binding"));
}

TEST(Csrf, TokenForOneBindingDoesNotMatchAnother) {
    std::string token = csrf_token_for(kSigner, "session-token-1");
    EXPECT_NE(token, csrf_token_for(kSigner, "session-token-2"));
    EXPECT_FALSE(csrf_token_matches(kSigner, "session-token-2", token));
    EXPECT_FALSE(csrf_token_matches(kSigner, "session-token-", token));
    EXPECT_FALSE(csrf_token_matches(kSigner, "session-token-1x", token));
}

TEST(Csrf, TokenFromAnotherKeyDoesNotMatch) {
    Signer other(std::string(32, 'o'));
    EXPECT_FALSE(csrf_token_matches(kSigner, "binding", csrf_token_for(other, "binding")));
}

TEST(Csrf, TokenIsNotAnotherPurposesMac) {
    // A MAC the site makes for some other purpose over the same value is not a CSRF token.
    EXPECT_FALSE(csrf_token_matches(kSigner, "binding", kSigner.tag("flash", "binding")));
    EXPECT_FALSE(csrf_token_matches(kSigner, "binding", kSigner.tag("session", "binding")));
}

TEST(Csrf, EmptyBindingNeverMatches) {
    std::string token_for_empty = csrf_token_for(kSigner, "");
    EXPECT_FALSE(csrf_token_matches(kSigner, "", token_for_empty));
    EXPECT_FALSE(csrf_token_matches(kSigner, "", ""));
    EXPECT_FALSE(csrf_token_matches(kSigner, "", "anything"));
}

TEST(Csrf, EmptyOrAlteredTokenNeverMatches) {
    std::string token = csrf_token_for(kSigner, "binding");
    EXPECT_FALSE(csrf_token_matches(kSigner, "binding", ""));
    EXPECT_FALSE(csrf_token_matches(kSigner, "binding", token.substr(0, token.size() - 1)));
    EXPECT_FALSE(csrf_token_matches(kSigner, "binding", token + "A"));
    std::string altered = token;
    altered[0] = altered[0] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(csrf_token_matches(kSigner, "binding", altered));
    EXPECT_FALSE(csrf_token_matches(kSigner, "binding", " " + token));
}

TEST(Csrf, TokenIsSafeInAFormField) {
    std::string token = csrf_token_for(kSigner, "binding");
    EXPECT_EQ(token.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."),
              std::string::npos)
        << token;
    // The forms take a csrf_token of at most 64 characters.
    EXPECT_LE(token.size(), 64u);
}

TEST(Csrf, TokenOfThePreviousKeyStillMatchesAfterARotation) {
    // A form loaded just before the key was rotated can still be sent.
    Signer rotated(std::string(32, 'n'), std::string(32, 'k'));
    EXPECT_TRUE(csrf_token_matches(rotated, "binding", csrf_token_for(kSigner, "binding")));
    EXPECT_FALSE(csrf_token_matches(rotated, "other", csrf_token_for(kSigner, "binding")));
    EXPECT_FALSE(csrf_token_matches(Signer(std::string(32, 'n')), "binding",
                                    csrf_token_for(kSigner, "binding")));
}

}  // namespace
}  // namespace microblog
