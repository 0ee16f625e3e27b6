// Tests for core/signed_value: Signer's sign/verify round trip and everything it must refuse.
#include "core/crypto/signed_value.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/crypto/crypto.h"
#include "core/http/encoding.h"

namespace microblog {
namespace {

const std::string kKey(32, 'k');

TEST(Signer, RoundTrips) {
    Signer signer(kKey);
    for (const std::string& data :
         {std::string(), std::string("42"), std::string("user:7\nmore"),
          std::string("\x00\xff\x80 binary", 10), std::string(1000, 'x')}) {
        std::string value = signer.sign("session", data);
        ASSERT_TRUE(signer.verify("session", value).has_value());
        EXPECT_EQ(signer.verify("session", value)->data, data);
        EXPECT_FALSE(signer.verify("session", value)->stale_key);
    }
}

// The key id, data and MAC of a value: its three dot-separated parts.
std::vector<std::string> parts_of(const std::string& value) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t dot; (dot = value.find('.', start)) != std::string::npos; start = dot + 1)
        parts.push_back(value.substr(start, dot - start));
    parts.push_back(value.substr(start));
    return parts;
}

TEST(Signer, ValueIsKeyIdDotBase64UrlDataDotMac) {
    Signer signer(kKey);
    std::string value = signer.sign("session", "hello");
    std::vector<std::string> parts = parts_of(value);
    ASSERT_EQ(parts.size(), 3u) << value;
    EXPECT_EQ(parts[0], signer.key_id());
    EXPECT_EQ(parts[0].size(), 8u);
    EXPECT_EQ(parts[1], base64url_encode("hello"));
    // The MAC covers the key id as well as the purpose and the data.
    EXPECT_EQ(parts[2], base64url_encode(hmac_sha256(kKey, "session", signer.key_id() + ".hello")));
    // Cookie-safe: no '=', ';', ',', space or quote.
    EXPECT_EQ(value.find_first_of("=;, \"+/"), std::string::npos);
}

TEST(Signer, KeyIdComesFromTheKeyAlone) {
    EXPECT_EQ(Signer(kKey).key_id(), Signer(kKey, std::string(32, 'p')).key_id());
    EXPECT_NE(Signer(kKey).key_id(), Signer(std::string(32, 'p')).key_id());
    // It reveals nothing of the key: it is not a prefix of the key or of its encoding.
    EXPECT_EQ(kKey.find(Signer(kKey).key_id()), std::string::npos);
}

TEST(Signer, RejectsTamperedData) {
    Signer signer(kKey);
    std::string value = signer.sign("session", "user=1");
    std::vector<std::string> parts = parts_of(value);
    std::string forged = parts[0] + "." + base64url_encode("user=2") + "." + parts[2];
    EXPECT_FALSE(signer.verify("session", forged).has_value());
    // Flipping any one character of the key id or the data.
    for (size_t i = 0; i < value.rfind('.'); ++i) {
        if (value[i] == '.')
            continue;
        std::string tampered = value;
        tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(signer.verify("session", tampered).has_value()) << tampered;
    }
}

TEST(Signer, RejectsTamperedMac) {
    Signer signer(kKey);
    std::string value = signer.sign("session", "user=1");
    for (size_t i = value.rfind('.') + 1; i < value.size(); ++i) {
        std::string tampered = value;
        tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(signer.verify("session", tampered).has_value()) << tampered;
    }
}

TEST(Signer, RejectsTruncatedValues) {
    Signer signer(kKey);
    std::string value = signer.sign("session", "user=1");
    for (size_t length = 0; length < value.size(); ++length) {
        EXPECT_FALSE(signer.verify("session", value.substr(0, length)).has_value()) << length;
    }
    EXPECT_FALSE(signer.verify("session", value.substr(1)).has_value());
}

TEST(Signer, RejectsExtraCharacters) {
    Signer signer(kKey);
    std::string value = signer.sign("session", "user=1");
    EXPECT_FALSE(signer.verify("session", value + "A").has_value());
    EXPECT_FALSE(signer.verify("session", value + ".").has_value());
    EXPECT_FALSE(signer.verify("session", "A" + value).has_value());
    EXPECT_FALSE(signer.verify("session", " " + value).has_value());
}

TEST(Signer, RejectsValueWithoutDot) {
    Signer signer(kKey);
    std::string value = signer.sign("session", "user=1");
    for (size_t dot : {value.find('.'), value.rfind('.')}) {
        std::string fewer_dots = value;
        fewer_dots.erase(dot, 1);
        EXPECT_FALSE(signer.verify("session", fewer_dots).has_value()) << fewer_dots;
    }
    std::string no_dot = parts_of(value)[0] + parts_of(value)[1] + parts_of(value)[2];
    EXPECT_FALSE(signer.verify("session", no_dot).has_value());
}

TEST(Signer, RejectsOtherPurpose) {
    Signer signer(kKey);
    std::string value = signer.sign("session", "user=1");
    EXPECT_FALSE(signer.verify("flash", value).has_value());
    EXPECT_FALSE(signer.verify("", value).has_value());
    EXPECT_FALSE(signer.verify("sessio", value).has_value());
}

TEST(Signer, RejectsOtherKey) {
    Signer signer(kKey);
    Signer other(std::string(31, 'k') + "j");
    std::string value = signer.sign("session", "user=1");
    EXPECT_FALSE(other.verify("session", value).has_value());
    EXPECT_TRUE(signer.verify("session", value).has_value());
}

TEST(Signer, RejectsOversizedValues) {
    Signer signer(kKey);
    // Data of 1490 bytes signs to 8 + 1 + 1987 + 1 + 43 = 2040 characters: accepted.
    std::string fits = signer.sign("p", std::string(1490, 'x'));
    ASSERT_LE(fits.size(), 2048u);
    EXPECT_TRUE(signer.verify("p", fits).has_value());
    // Data of 1600 bytes signs to more than 2048 characters: refused though genuine.
    std::string oversized = signer.sign("p", std::string(1600, 'x'));
    ASSERT_GT(oversized.size(), 2048u);
    EXPECT_FALSE(signer.verify("p", oversized).has_value());
}

TEST(Signer, BoundaryAt2048Characters) {
    Signer signer(kKey);
    // base64url of n bytes is ceil(4n/3) characters; the key id 8 and the MAC 43, with two dots:
    // ceil(4n/3) + 53 in all.
    std::string at_limit = signer.sign("p", std::string(1496, 'x'));
    ASSERT_EQ(at_limit.size(), 2048u);
    EXPECT_TRUE(signer.verify("p", at_limit).has_value());
    std::string over_limit = signer.sign("p", std::string(1497, 'x'));
    ASSERT_EQ(over_limit.size(), 2049u);
    EXPECT_FALSE(signer.verify("p", over_limit).has_value());
}

TEST(Signer, RejectsGarbageAndEmpty) {
    Signer signer(kKey);
    for (const std::string& garbage :
         {std::string(), std::string("."), std::string(".."), std::string("abc"),
          std::string("abc.def"), std::string("!!!.???"), std::string("Zg==.abc"),
          std::string(5000, '.'), std::string("\xff\xfe.\x00", 4)}) {
        EXPECT_FALSE(signer.verify("session", garbage).has_value()) << garbage;
    }
}

TEST(Signer, SignsEmptyDataWithAnEmptyDataPart) {
    Signer signer(kKey);
    // "<key id>..<mac>" is the genuine signature of "", and verifies; any other data does not.
    std::string empty = signer.sign("p", "");
    EXPECT_EQ(parts_of(empty)[1], "");
    EXPECT_EQ(signer.verify("p", empty)->data, std::string());
    std::string with_data = signer.key_id() + ".Zg" + empty.substr(signer.key_id().size() + 1);
    EXPECT_FALSE(signer.verify("p", with_data).has_value());
}

TEST(Signer, TagDependsOnPurposeDataAndKey) {
    Signer signer(kKey);
    EXPECT_EQ(signer.tag("csrf", "a"), signer.tag("csrf", "a"));
    EXPECT_NE(signer.tag("csrf", "a"), signer.tag("csrf", "b"));
    EXPECT_NE(signer.tag("csrf", "a"), signer.tag("flash", "a"));
    EXPECT_NE(signer.tag("csrf", "a"), Signer(std::string(32, 'z')).tag("csrf", "a"));
    EXPECT_EQ(signer.tag("csrf", "a"),
              signer.key_id() + "." + parts_of(signer.tag("csrf", "a"))[1]);
    EXPECT_EQ(signer.tag("csrf", "a").size(), 8u + 1 + 43);
    EXPECT_TRUE(signer.tag_matches("csrf", "a", signer.tag("csrf", "a")));
    EXPECT_FALSE(signer.tag_matches("csrf", "b", signer.tag("csrf", "a")));
    EXPECT_FALSE(signer.tag_matches("flash", "a", signer.tag("csrf", "a")));
}

// ---------------------------------------------------------------- rotating the key

const std::string kNewKey(32, 'n');

TEST(Signer, PreviousKeyStillVerifiesAndAsksForASignatureWithTheNewOne) {
    Signer before(kKey);
    Signer rotated(kNewKey, kKey);
    std::string old_value = before.sign("session", "token");
    std::optional<Verified> verified = rotated.verify("session", old_value);
    ASSERT_TRUE(verified.has_value());
    EXPECT_EQ(verified->data, "token");
    EXPECT_TRUE(verified->stale_key);
    // What the rotated signer signs carries the new key's id and is not stale.
    std::string new_value = rotated.sign("session", "token");
    EXPECT_EQ(parts_of(new_value)[0], Signer(kNewKey).key_id());
    EXPECT_NE(parts_of(new_value)[0], before.key_id());
    EXPECT_FALSE(rotated.verify("session", new_value)->stale_key);
    // The old key alone does not know the new one.
    EXPECT_FALSE(before.verify("session", new_value).has_value());
}

TEST(Signer, TagOfThePreviousKeyStillMatches) {
    Signer before(kKey);
    Signer rotated(kNewKey, kKey);
    EXPECT_TRUE(rotated.tag_matches("csrf", "binding", before.tag("csrf", "binding")));
    EXPECT_TRUE(rotated.tag_matches("csrf", "binding", rotated.tag("csrf", "binding")));
    EXPECT_NE(rotated.tag("csrf", "binding"), before.tag("csrf", "binding"));
}

TEST(Signer, RetiredKeyNoLongerVerifies) {
    std::string old_value = Signer(kKey).sign("session", "token");
    std::string old_tag = Signer(kKey).tag("csrf", "binding");
    Signer retired(kNewKey);
    EXPECT_FALSE(retired.verify("session", old_value).has_value());
    EXPECT_FALSE(retired.tag_matches("csrf", "binding", old_tag));
}

TEST(Signer, KeyIdMustNameTheKeyThatSigned) {
    // A value of the previous key relabelled with the current key's id (or the other way round)
    // verifies with neither.
    Signer rotated(kNewKey, kKey);
    std::string old_value = Signer(kKey).sign("session", "token");
    std::string relabelled = rotated.key_id() + old_value.substr(old_value.find('.'));
    EXPECT_FALSE(rotated.verify("session", relabelled).has_value());
    std::string new_value = rotated.sign("session", "token");
    std::string backdated = Signer(kKey).key_id() + new_value.substr(new_value.find('.'));
    EXPECT_FALSE(rotated.verify("session", backdated).has_value());
    std::string old_tag = Signer(kKey).tag("csrf", "b");
    EXPECT_FALSE(
        rotated.tag_matches("csrf", "b", rotated.key_id() + old_tag.substr(old_tag.find('.'))));
    EXPECT_FALSE(rotated.tag_matches("csrf", "b", "unknown." + parts_of(old_tag)[1]));
}

TEST(Signer, SameKeyAsPreviousIsJustTheCurrentKey) {
    Signer signer(kKey, kKey);
    EXPECT_FALSE(signer.verify("session", signer.sign("session", "t"))->stale_key);
}

// Values signed before they carried a key id: "<data>.<mac>" over the purpose and the data.
std::string legacy_value(const std::string& key, const std::string& purpose,
                         const std::string& data) {
    return base64url_encode(data) + "." + base64url_encode(hmac_sha256(key, purpose, data));
}

TEST(Signer, ValueWithoutKeyIdVerifiesWithTheCurrentKeyAndIsSignedAgain) {
    Signer signer(kKey);
    std::optional<Verified> verified = signer.verify("session", legacy_value(kKey, "session", "t"));
    ASSERT_TRUE(verified.has_value());
    EXPECT_EQ(verified->data, "t");
    EXPECT_TRUE(verified->stale_key);
    EXPECT_FALSE(signer.verify("flash", legacy_value(kKey, "session", "t")).has_value());
    EXPECT_FALSE(
        Signer(kNewKey, kKey).verify("session", legacy_value(kKey, "session", "t")).has_value());
}

TEST(Signer, ValueCutToTwoPartsIsNoLegacyValue) {
    // Dropping the key id of a genuine value leaves "<data>.<mac>", whose MAC covered the id.
    Signer signer(kKey);
    std::string value = signer.sign("session", "t");
    EXPECT_FALSE(signer.verify("session", value.substr(value.find('.') + 1)).has_value());
}

}  // namespace
}  // namespace microblog
