#include "msformer/slice_interpolation.h"

#include <opencv2/imgproc.hpp>

#include <stdexcept>
#include <string>

namespace msf::mask {

cv::Mat signedDistance(const cv::Mat& mask) {
    const cv::Mat inside = mask > 0, outside = mask == 0;
    // distanceTransform: each non-zero pixel's exact Euclidean distance to the nearest zero pixel.
    cv::Mat toOutside, toInside;
    cv::distanceTransform(inside, toOutside, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    cv::distanceTransform(outside, toInside, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    // One of the two is 0 at every pixel; the half pixel puts the outline between an inside and an outside centre.
    cv::Mat half(mask.size(), CV_32F, cv::Scalar(-0.5f));
    half.setTo(cv::Scalar(0.5f), inside);
    return toInside - toOutside + half;
}

std::vector<cv::Mat> masksBetween(const cv::Mat& first, const cv::Mat& last, int count) {
    if (first.size() != last.size())
        throw std::invalid_argument("masks of different sizes (" + std::to_string(first.cols) + " x " +
                                    std::to_string(first.rows) + " and " + std::to_string(last.cols) + " x " +
                                    std::to_string(last.rows) + ")");
    if (count < 0) throw std::invalid_argument("a negative number of slices between two masks");
    std::vector<cv::Mat> masks;
    if (count == 0) return masks;
    const cv::Mat a = signedDistance(first), b = signedDistance(last);
    cv::Mat blend;
    for (int i = 1; i <= count; ++i) {
        const double t = double(i) / (count + 1);
        cv::addWeighted(a, 1 - t, b, t, 0, blend);
        masks.push_back(blend < 0);
    }
    return masks;
}

std::vector<FilledSlice> fillBetweenSlices(const std::map<int, cv::Mat>& masks) {
    std::vector<FilledSlice> filled;
    const std::pair<const int, cv::Mat>* previous = nullptr;
    for (const auto& slice : masks) {
        if (slice.second.empty() || cv::countNonZero(slice.second) == 0) continue;
        if (previous && slice.first - previous->first > 1) {
            std::vector<cv::Mat> between = masksBetween(previous->second, slice.second, slice.first - previous->first - 1);
            for (size_t i = 0; i < between.size(); ++i)
                filled.push_back({previous->first + 1 + int(i), previous->first, slice.first, std::move(between[i])});
        }
        previous = &slice;
    }
    return filled;
}

}  // namespace msf::mask
