#include "msformer/lung_mask.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

#include "msformer/mask_ops.h"

namespace msf {

cv::Mat deriveLungMask(const cv::Mat& hounsfield) {
    cv::Mat hu;
    hounsfield.convertTo(hu, CV_32F);
    const cv::Mat air = hu < -400;
    auto [labels, parts] = mask::components(air);
    parts.erase(std::remove_if(parts.begin(), parts.end(), [](const auto& c) { return c.touchesBorder; }),
                parts.end());
    std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.area > b.area; });
    parts.resize(std::min<size_t>(2, parts.size()));
    cv::Mat lungs = mask::unionOf(labels, parts);
    cv::morphologyEx(lungs, lungs, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_ELLIPSE, {11, 11}));
    return mask::fillHoles(lungs);
}

}  // namespace msf
