// Tests for core/qr_svg: the path's shape, size and alphabet.
#include "core/two_factor/qr_svg.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace microblog {
namespace {

TEST(QrSvg, AnOtpauthUriMakesAPathOfRunsInsideTheQuietZone) {
    QrSvg svg = qr_svg(
        "otpauth://totp/Microblog:susan?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        "&issuer=Microblog");
    // Version 3 to 6 (29 to 41 modules) plus 4 modules of quiet zone each side.
    EXPECT_GE(svg.size, 29u + 8u);
    EXPECT_LE(svg.size, 41u + 8u);
    EXPECT_TRUE(std::regex_match(svg.path, std::regex("(M[0-9]+ [0-9]+h[0-9]+v1h-[0-9]+z)+")));
    // The finder pattern's top edge: 7 dark modules at the quiet zone's corner.
    EXPECT_EQ(svg.path.rfind("M4 4h7v1h-7z", 0), 0u);
}

TEST(QrSvg, DifferentTextMakesADifferentCode) {
    EXPECT_NE(qr_svg("otpauth://a").path, qr_svg("otpauth://b").path);
}

}  // namespace
}  // namespace microblog
