// A QR code as an SVG path, drawn server-side (libqrencode) so the two-factor setup page needs
// no script and no image request.
#pragma once

#include <string>
#include <string_view>

namespace microblog {

struct QrSvg {
    unsigned size = 0;  // modules per side, the quiet zone included (the viewBox)
    std::string path;   // the dark modules: "M x y h1v1h-1z" per run, letters and digits only
};

// Error correction level M. Throws std::runtime_error when the text does not fit a QR code.
QrSvg qr_svg(std::string_view text);

}  // namespace microblog
