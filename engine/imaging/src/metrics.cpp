#include "msformer/metrics.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace msf {

namespace {

cv::Mat boundary(const cv::Mat& mask) {
    cv::Mat eroded;
    cv::erode(mask, eroded, cv::Mat(), cv::Point(-1, -1), 1, cv::BORDER_CONSTANT, 0);
    return mask & ~eroded;
}

// Distances from every boundary pixel of `from` to the nearest boundary pixel of `to`.
void boundaryDistances(const cv::Mat& from, const cv::Mat& to, std::vector<float>* out) {
    cv::Mat dist;
    cv::distanceTransform(~boundary(to), dist, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    const cv::Mat b = boundary(from);
    for (int y = 0; y < b.rows; ++y)
        for (int x = 0; x < b.cols; ++x)
            if (b.at<uchar>(y, x)) out->push_back(dist.at<float>(y, x));
}

// The overlap scores, and the binary masks and their areas they came from.
struct Overlap {
    cv::Mat pred, truth;
    double a = 0, b = 0;
    MaskScores scores;
};

Overlap overlap(const cv::Mat& predIn, const cv::Mat& truthIn) {
    if (predIn.size() != truthIn.size()) throw std::invalid_argument("prediction and ground truth differ in size");
    Overlap o;
    o.pred = predIn > 0;
    o.truth = truthIn > 0;
    o.a = cv::countNonZero(o.pred);
    o.b = cv::countNonZero(o.truth);
    const double a = o.a, b = o.b, inter = cv::countNonZero(o.pred & o.truth);
    const double uni = a + b - inter;
    MaskScores& s = o.scores;
    s.dsc = (a + b) > 0 ? 2 * inter / (a + b) : 1.0;
    s.hm = uni > 0 ? (uni - inter) / uni : 0.0;
    s.xorRatio = b > 0 ? (uni - inter) / b : (a > 0 ? std::numeric_limits<double>::infinity() : 0.0);
    return o;
}

}  // namespace

MaskScores scoreOverlap(const cv::Mat& pred, const cv::Mat& truth) { return overlap(pred, truth).scores; }

MaskScores scoreMasks(const cv::Mat& predIn, const cv::Mat& truthIn) {
    const Overlap o = overlap(predIn, truthIn);
    MaskScores s = o.scores;
    if (o.a == 0 && o.b == 0) {
        s.hd95 = 0;
    } else if (o.a == 0 || o.b == 0) {
        s.hd95 = std::hypot(o.pred.cols, o.pred.rows);
    } else {
        std::vector<float> d;
        boundaryDistances(o.pred, o.truth, &d);
        boundaryDistances(o.truth, o.pred, &d);
        const size_t k = static_cast<size_t>(std::ceil(0.95 * d.size())) - 1;
        std::nth_element(d.begin(), d.begin() + k, d.end());
        s.hd95 = d[k];
    }
    return s;
}

}  // namespace msf
