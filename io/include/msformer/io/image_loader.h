#pragma once
// Loading any supported file. Blocking: call it from a worker, never a UI thread.
#include <string>

#include "msformer/io/image.h"

namespace msf::io {

// Throws IoError naming the file and the problem (missing, empty, unsupported, corrupt).
Image loadImage(const std::string& path);

// Raster formats OpenCV decodes (PNG, JPEG, BMP, TIFF), EXIF orientation applied.
Image readRaster(const std::string& path);

// A binary mask file: non-zero = inside; returned as CV_8U 0 / 255.
cv::Mat loadMask(const std::string& path);

}  // namespace msf::io
