#pragma once
// PNG exports at the original resolution, written atomically, only under a
// name ending in .png (any case); IoError otherwise.
#include <opencv2/core.hpp>
#include <string>

namespace msf::io {

// Binary mask as 0 / 255 8-bit PNG.
void writeMaskPng(const std::string& path, const cv::Mat& mask, bool overwrite);
// Label map as 16-bit PNG of cluster ids (0..n-1).
void writeLabelPng(const std::string& path, const cv::Mat& labels32, bool overwrite);
// Any 8-bit image (e.g. a colour cluster map) as PNG.
void writePng(const std::string& path, const cv::Mat& image, bool overwrite);

}  // namespace msf::io
