#include "msformer/metrics.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
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

// The boundary pixels' centres in millimetres, one row (x, y) each.
cv::Mat boundaryPoints(const cv::Mat& mask, double spacingX, double spacingY) {
    std::vector<cv::Point> at;
    cv::findNonZero(boundary(mask), at);
    cv::Mat points(static_cast<int>(at.size()), 2, CV_32F);
    for (int i = 0; i < points.rows; ++i) {
        points.at<float>(i, 0) = static_cast<float>(at[size_t(i)].x * spacingX);
        points.at<float>(i, 1) = static_cast<float>(at[size_t(i)].y * spacingY);
    }
    return points;
}

// Distances in mm from every boundary point of `from` to the nearest of `to` (boundaryPoints), for a grid of
// non-square pixels (no distance transform takes two spacings): each pair measured, as batchDistance does.
void nearestDistances(const cv::Mat& from, const cv::Mat& to, std::vector<float>* out) {
    cv::Mat nearest, index;
    cv::batchDistance(from, to, nearest, CV_32F, index, cv::NORM_L2, 1);
    out->insert(out->end(), nearest.begin<float>(), nearest.end<float>());
}

float percentile95(std::vector<float>& d) {
    const size_t k = static_cast<size_t>(std::ceil(0.95 * d.size())) - 1;
    std::nth_element(d.begin(), d.begin() + k, d.end());
    return d[k];
}

// The overlap scores, and the binary masks and their areas they came from.
struct Overlap {
    cv::Mat pred, truth;
    double a = 0, b = 0;
    MaskScores scores;
};

MaskScores scoresOf(double a, double b, double inter) {
    const double uni = a + b - inter;
    MaskScores s;
    s.dsc = (a + b) > 0 ? 2 * inter / (a + b) : 1.0;
    s.hm = uni > 0 ? (uni - inter) / uni : 0.0;
    s.xorRatio = b > 0 ? (uni - inter) / b : (a > 0 ? std::numeric_limits<double>::infinity() : 0.0);
    return s;
}

void checkSizes(const cv::Mat& pred, const cv::Mat& truth) {
    if (pred.size() != truth.size()) throw std::invalid_argument("prediction and ground truth differ in size");
}

Overlap overlap(const cv::Mat& predIn, const cv::Mat& truthIn) {
    checkSizes(predIn, truthIn);
    Overlap o;
    o.pred = predIn > 0;
    o.truth = truthIn > 0;
    o.a = cv::countNonZero(o.pred);
    o.b = cv::countNonZero(o.truth);
    o.scores = scoresOf(o.a, o.b, cv::countNonZero(o.pred & o.truth));
    return o;
}

}  // namespace

MaskScores scoreOverlap(const cv::Mat& pred, const cv::Mat& truth) {
    checkSizes(pred, truth);
    if (pred.type() != CV_8UC1 || truth.type() != CV_8UC1) return overlap(pred, truth).scores;
    // One pass counting both areas and the intersection (the app scores a 24-MP
    // mask on every edit; three masks and four passes took 25 ms there).
    int64_t a = 0, b = 0, inter = 0;
    for (int y = 0; y < pred.rows; ++y) {
        const uchar* p = pred.ptr<uchar>(y);
        const uchar* t = truth.ptr<uchar>(y);
        for (int x = 0; x < pred.cols; ++x) {
            const int inP = p[x] != 0, inT = t[x] != 0;
            a += inP;
            b += inT;
            inter += inP & inT;
        }
    }
    return scoresOf(static_cast<double>(a), static_cast<double>(b), static_cast<double>(inter));
}

MaskScores scoreMasks(const cv::Mat& predIn, const cv::Mat& truthIn, double spacingX, double spacingY) {
    const Overlap o = overlap(predIn, truthIn);
    MaskScores s = o.scores;
    const bool spaced = spacingX > 0 && spacingY > 0;
    if (o.a == 0 && o.b == 0) {
        s.hd95 = 0;
        if (spaced) s.hd95Mm = 0;
    } else if (o.a == 0 || o.b == 0) {
        s.hd95 = std::hypot(o.pred.cols, o.pred.rows);
        if (spaced) s.hd95Mm = std::hypot(o.pred.cols * spacingX, o.pred.rows * spacingY);
    } else {
        std::vector<float> d;
        boundaryDistances(o.pred, o.truth, &d);
        boundaryDistances(o.truth, o.pred, &d);
        s.hd95 = percentile95(d);
        if (spaced && std::abs(spacingX - spacingY) <= 1e-6 * spacingX) {
            s.hd95Mm = s.hd95 * spacingX;  // square pixels: the same distances, scaled
        } else if (spaced) {
            const cv::Mat pred = boundaryPoints(o.pred, spacingX, spacingY),
                          truth = boundaryPoints(o.truth, spacingX, spacingY);
            d.clear();
            nearestDistances(pred, truth, &d);
            nearestDistances(truth, pred, &d);
            s.hd95Mm = percentile95(d);
        }
    }
    return s;
}

}  // namespace msf
