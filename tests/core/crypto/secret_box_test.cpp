// Tests for core/secret_box: sealed values open only with the same key and owner, unaltered.
#include "core/crypto/secret_box.h"

#include <gtest/gtest.h>

#include <string>

namespace microblog {
namespace {

const std::string kKey(64, 'k');

TEST(SecretBox, OpensWhatItSealed) {
    SecretBox box(kKey);
    for (const std::string& plaintext :
         {std::string(), std::string("x"), std::string(20, '\0'), std::string(1000, 'a')}) {
        std::string sealed = box.seal(plaintext, "user:1");
        EXPECT_EQ(sealed.size(), plaintext.size() + 28);
        EXPECT_EQ(box.open(sealed, "user:1"), plaintext);
    }
}

TEST(SecretBox, SealsWithAFreshNonceEachTime) {
    SecretBox box(kKey);
    EXPECT_NE(box.seal("secret", "user:1"), box.seal("secret", "user:1"));
}

TEST(SecretBox, TheSealedValueDoesNotContainThePlaintext) {
    SecretBox box(kKey);
    EXPECT_EQ(box.seal("a plainly visible secret", "user:1").find("plainly"), std::string::npos);
}

TEST(SecretBox, AnotherOwnerOrKeyDoesNotOpenIt) {
    SecretBox box(kKey);
    std::string sealed = box.seal("secret", "user:1");
    EXPECT_FALSE(box.open(sealed, "user:2"));
    EXPECT_FALSE(SecretBox(std::string(64, 'j')).open(sealed, "user:1"));
}

TEST(SecretBox, AnyAlteredByteOrLengthIsRefused) {
    SecretBox box(kKey);
    std::string sealed = box.seal("secret", "user:1");
    for (size_t i = 0; i < sealed.size(); ++i) {
        std::string altered = sealed;
        altered[i] = char(altered[i] ^ 0x01);
        EXPECT_FALSE(box.open(altered, "user:1")) << "byte " << i;
    }
    EXPECT_FALSE(box.open(sealed.substr(0, sealed.size() - 1), "user:1"));
    EXPECT_FALSE(box.open(sealed + "x", "user:1"));
    EXPECT_FALSE(box.open("", "user:1"));
    EXPECT_FALSE(box.open(std::string(27, 'x'), "user:1"));
}

}  // namespace
}  // namespace microblog
