#pragma once
#include <opencv2/core.hpp>

namespace msf {

// A derived (not expert) lung mask of a CT slice in HU: HU < -400, air that
// touches the image border dropped, the two largest remaining components
// kept, closed (5 px disc) and holes filled. CV_8U 0 / 255.
cv::Mat deriveLungMask(const cv::Mat& hounsfield);

}  // namespace msf
