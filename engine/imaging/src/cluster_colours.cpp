#include "msformer/cluster_colours.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

namespace msf {

cv::Vec3b clusterColour(int cluster) {
    if (cluster < 0) return {0, 0, 0};
    // Hues spaced by the golden angle; alternate value so neighbours in id differ.
    const double hue = std::fmod(cluster * 137.508, 360.0);
    cv::Mat hsv(1, 1, CV_8UC3, cv::Scalar(hue / 2, 200, cluster % 2 ? 170 : 250)), bgr;
    cv::cvtColor(hsv, bgr, cv::COLOR_HSV2BGR);
    return bgr.at<cv::Vec3b>(0, 0);
}

cv::Mat colourizeLabels(const cv::Mat& labels32) {
    double lo, hi;
    cv::minMaxLoc(labels32, &lo, &hi);
    std::vector<cv::Vec3b> lut(static_cast<size_t>(std::max(0.0, hi)) + 1);
    for (size_t i = 0; i < lut.size(); ++i) lut[i] = clusterColour(static_cast<int>(i));
    cv::Mat out(labels32.size(), CV_8UC3);
    for (int y = 0; y < labels32.rows; ++y)
        for (int x = 0; x < labels32.cols; ++x) {
            const int v = labels32.at<int32_t>(y, x);
            out.at<cv::Vec3b>(y, x) = v >= 0 ? lut[v] : cv::Vec3b(0, 0, 0);
        }
    return out;
}

}  // namespace msf
