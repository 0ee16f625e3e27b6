// libqrencode's module grid turned into one SVG path, a horizontal run of dark modules per
// subpath, which keeps the path a few kilobytes for an otpauth URI.
#include "core/two_factor/qr_svg.h"

#include <qrencode.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace microblog {
namespace {
// The blank margin scanners need around a QR code, in modules (ISO/IEC 18004).
constexpr unsigned kQuietZone = 4;
}  // namespace

QrSvg qr_svg(std::string_view text) {
    const std::string input(text);
    std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
        QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
    if (!code)
        throw std::runtime_error("QRcode_encodeString failed");
    const unsigned width = unsigned(code->width);
    QrSvg svg;
    svg.size = width + 2 * kQuietZone;
    for (unsigned y = 0; y < width; ++y) {
        unsigned x = 0;
        while (x < width) {
            // Bit 0 of each module's byte is set for a dark module.
            if (!(code->data[y * width + x] & 1)) {
                ++x;
                continue;
            }
            unsigned run = 1;
            while (x + run < width && (code->data[y * width + x + run] & 1))
                ++run;
            svg.path += "M" + std::to_string(x + kQuietZone) + " " +
                        std::to_string(y + kQuietZone) + "h" + std::to_string(run) + "v1h-" +
                        std::to_string(run) + "z";
            x += run;
        }
    }
    return svg;
}

}  // namespace microblog
