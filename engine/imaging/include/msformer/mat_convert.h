#pragma once
// Conversions between OpenCV matrices and the engine's plain types.
#include <opencv2/core.hpp>

#include "msformer/image_buffer.h"

namespace msf {

// 8U / 16U / 32F, 1, 3 or 4 channels (OpenCV's BGR(A) order) -> [0, 1] floats,
// RGB order, alpha dropped. 8U is divided by 255, 16U by 65535, 32F clipped.
ImageBuffer toImageBuffer(const cv::Mat& image);

cv::Mat toMat(const LabelMap& labels);           // CV_32S
// The same without a copy: a CV_32S header over the map's own labels (a 24 MP
// map is 96 MB to copy, 50 ms here), for reading only, while `labels` lives unchanged.
cv::Mat viewOf(const LabelMap& labels);
LabelMap toLabelMap(const cv::Mat& labels32);    // from CV_32S (or any integer type)

// Mean over channels, as CV_32F in [0, 1] (used for contrast measurements).
cv::Mat toGrey(const ImageBuffer& image);
cv::Mat toGrey(const cv::Mat& image);  // the same of a CV_32F image in [0, 1] (channel order does not matter)

}  // namespace msf
