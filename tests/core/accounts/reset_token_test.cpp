// The reset link's path: exactly one encoding of 32 bytes after the prefix, nothing else.
#include "core/accounts/reset_token.h"

#include <gtest/gtest.h>

#include <string>

using namespace microblog;

namespace {
const std::string kToken(32, '\xff');
}

TEST(ResetToken, ThePathOfATokenReadsBackAsIt) {
    const std::string path = reset_path(kToken);
    EXPECT_EQ(path, "/reset_password/" + std::string(42, '_') + "8");
    EXPECT_EQ(reset_token_from_path(path), kToken);
    EXPECT_EQ(reset_link("https://example.org", kToken), "https://example.org" + path);
}

TEST(ResetToken, AnythingButOneCanonicalEncodingIsRefused) {
    const std::string path = reset_path(kToken);
    for (const std::string& bad :
         {path.substr(0, path.size() - 1), path + "A", path + "=", path + "/", path + "?",
          "/reset_password/" + std::string(42, '_') + "9",  // the spare bits set
          "/reset_password/" + std::string(42, '/') + "8",  // base64, not base64url
          std::string("/reset_password/"), std::string("/reset_password"),
          "/reset_passwordX" + path.substr(16), "/Reset_password/" + path.substr(16),
          "/x/reset_password/" + path.substr(16), "/reset_password//" + path.substr(16),
          std::string("")}) {
        EXPECT_EQ(reset_token_from_path(bad), std::nullopt) << bad;
    }
}
