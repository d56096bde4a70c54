#pragma once

#include <opencv2/core.hpp>

#include <string>

namespace msf::io {

// What a PNG's chunks before its pixel data say about transparency and orientation.
struct PngTransparency {
    bool hasAlpha = false;  // an alpha channel (colour types 4, 6) or a tRNS chunk (transparent colours)
    bool exif = false;      // an eXIf chunk, whose orientation the decoder applies
    bool grey = false;      // colour types 0 and 4 (the decoder gives grey with alpha as three channels)
};

// Reads the chunk headers of the PNG at `path` up to its first IDAT; all false for a file that is not a PNG.
PngTransparency pngTransparency(const std::string& path);

// The PNG at `path` decoded with its alpha channel applied over black: a transparent pixel is 0 whatever
// colour the file keeps under it (a mask exported with a transparent background over white, a cut-out photo),
// grey or BGR, turned by its EXIF orientation as `cv::imread(path, flags)` turns it. `transparent` is set to the
// number of pixels not wholly opaque; `leftOut` where the alpha channel could not be read or lined up with the
// colours (these are then returned as `flags` decodes them).
cv::Mat decodedOverBlack(const std::string& path, const PngTransparency& png, int flags, size_t& transparent,
                         bool& leftOut);

}  // namespace msf::io
