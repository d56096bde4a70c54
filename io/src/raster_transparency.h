#pragma once

#include <opencv2/core.hpp>

#include <string>

namespace msf::io {

// What a PNG's chunks before its pixel data, a TIFF's first directory, a WebP's or a BMP's header say about
// transparency and orientation.
struct Transparency {
    bool hasAlpha = false;       // an alpha channel (PNG: colour types 4, 6, or a tRNS chunk of transparent colours)
    bool premultiplied = false;  // TIFF associated alpha: the colours are stored already over black
    bool turned = false;         // an orientation the decoder may apply (PNG eXIf, TIFF Orientation, WebP EXIF)
    bool grey = false;           // grey samples (the decoder gives grey with alpha as three channels)
    int greyKey = -1;            // a grey PNG's tRNS value (the one transparent grey), as the decoder gives it
};

// Reads the headers of the PNG, TIFF, WebP or BMP file at `path`; all false for other files.
Transparency transparencyOf(const std::string& path);

// The file at `path` decoded with its alpha channel applied over black: a transparent pixel is 0 whatever
// colour the file keeps under it (a mask exported with a transparent background over white, a cut-out photo),
// grey or BGR, turned by its orientation as `cv::imread(path, flags)` turns it. `transparent` is set to the
// number of pixels not wholly opaque; `leftOut` where the alpha channel could not be read or lined up with the
// colours (these are then returned as `flags` decodes them).
// The same for an image already decoded both ways: `raw` with its alpha channel (cv::IMREAD_UNCHANGED), `shown`
// without it (and turned by the file's orientation, where `t.turned`; empty: `raw`'s colours).
cv::Mat overBlack(const cv::Mat& raw, cv::Mat shown, const Transparency& t, size_t& transparent, bool& leftOut);
cv::Mat decodedOverBlack(const std::string& path, const Transparency& t, int flags, size_t& transparent,
                         bool& leftOut);

}  // namespace msf::io
