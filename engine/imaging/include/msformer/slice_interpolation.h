#pragma once
// Masks for the slices between two annotated slices of a volume (shape-based interpolation).
#include <opencv2/core.hpp>

#include <map>
#include <vector>

namespace msf::mask {

// Signed Euclidean distance to the mask's outline, in pixels (CV_32F): negative inside, positive outside, each
// pixel's value its centre's distance to the nearest pixel of the other kind less half a pixel.
cv::Mat signedDistance(const cv::Mat& mask);

// The masks (0 / 255) of the `count` slices lying evenly between two slices' masks (one size, non-zero inside):
// slice i of 1..count blends the two signed distance maps at t = i / (count + 1) and is inside where the blend is
// below zero. A shape that grows, shrinks or moves while overlapping itself morphs from one to the other; a region
// of one mask that overlaps nothing in the other shrinks away towards the slice of the other. Throws
// std::invalid_argument for masks of different sizes or a negative count.
std::vector<cv::Mat> masksBetween(const cv::Mat& first, const cv::Mat& last, int count);

// A slice filled by fillBetweenSlices: its mask, interpolated between slices `from` and `to`.
struct FilledSlice {
    int frame = 0, from = 0, to = 0;
    cv::Mat mask;
};
// Every slice lying between two slices of `masks` (slice -> mask) whose masks have pixels, and not itself among
// them, filled by masksBetween from the nearest such slice on either side; ascending. Empty masks count as none.
std::vector<FilledSlice> fillBetweenSlices(const std::map<int, cv::Mat>& masks);

}  // namespace msf::mask
