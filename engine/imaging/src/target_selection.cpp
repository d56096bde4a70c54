#include "msformer/target_selection.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "msformer/mask_ops.h"

namespace msf {

namespace {

int bestOverlapCluster(const cv::Mat& labels32, const cv::Mat& truth) {
    std::map<int, int64_t> overlap;  // only labels outside 0..the largest count here (negative ids)
    double maxLabel = 0;
    cv::minMaxLoc(labels32, nullptr, &maxLabel);
    std::vector<int64_t> counts(static_cast<size_t>(std::max(0.0, maxLabel)) + 1, 0);
    const cv::Mat t = truth > 0;
    for (int y = 0; y < labels32.rows; ++y) {
        const int32_t* l = labels32.ptr<int32_t>(y);
        const uchar* in = t.ptr<uchar>(y);
        for (int x = 0; x < labels32.cols; ++x)
            if (in[x]) l[x] >= 0 ? ++counts[l[x]] : ++overlap[l[x]];
    }
    for (size_t c = 0; c < counts.size(); ++c)
        if (counts[c]) overlap[static_cast<int>(c)] = counts[c];
    int best = -1;
    int64_t bestCount = -1;
    for (const auto& [cluster, count] : overlap)  // ascending ids: the lowest wins a tie
        if (count > bestCount) best = cluster, bestCount = count;
    return best;
}

void checkSizes(const cv::Mat& labels32, const cv::Mat& truth) {
    if (labels32.size() != truth.size())
        throw std::invalid_argument("label map and ground truth differ in size");
}

}  // namespace

TargetSelection selectBestOverlap(const cv::Mat& labels32, const cv::Mat& truth) {
    checkSizes(labels32, truth);
    TargetSelection s;
    const int c = bestOverlapCluster(labels32, truth);
    s.mask = c >= 0 ? mask::clusterMask(labels32, c) : cv::Mat::zeros(labels32.size(), CV_8U);
    if (c >= 0) s.clusters.push_back(c);
    return s;
}

TargetSelection selectBestOverlapDilatedTruth(const cv::Mat& labels32, const cv::Mat& truth) {
    TargetSelection s = selectBestOverlap(labels32, truth);
    cv::Mat dilated;
    cv::dilate(truth > 0, dilated, cv::Mat::ones(7, 7, CV_8U), cv::Point(-1, -1), 2);
    s.mask &= dilated;
    return s;
}

TargetSelection selectByClicks(const cv::Mat& labels32, const std::vector<cv::Point>& clicks) {
    TargetSelection s;
    s.mask = cv::Mat::zeros(labels32.size(), CV_8U);
    cv::Rect bounds;  // of the regions: the holes are filled there, not over the whole image
    for (const auto& p : clicks) {
        if (p.x < 0 || p.y < 0 || p.x >= labels32.cols || p.y >= labels32.rows) continue;
        cv::Rect box;
        const cv::Mat region = mask::regionAt(labels32, p, &box);
        s.mask(box) |= region(box);
        bounds |= box;
        const int c = labels32.at<int32_t>(p);
        if (std::find(s.clusters.begin(), s.clusters.end(), c) == s.clusters.end()) s.clusters.push_back(c);
        s.clicks.push_back(p);
    }
    mask::fillHolesIn(s.mask, bounds);
    return s;
}

TargetSelection selectLikeMask(const cv::Mat& labels32, const cv::Mat& prior, double minInside) {
    checkSizes(labels32, prior);
    TargetSelection s;
    s.mask = cv::Mat::zeros(labels32.size(), CV_8U);
    const cv::Mat inside = prior > 0;
    cv::Mat seen = cv::Mat::zeros(labels32.size(), CV_8U);  // regions already judged
    cv::Rect bounds;
    std::vector<cv::Point> touched;
    cv::findNonZero(inside, touched);
    for (const cv::Point& p : touched) {
        if (seen.at<uchar>(p)) continue;
        cv::Rect box;
        const cv::Mat region = mask::regionAt(labels32, p, &box);
        seen(box) |= region(box);
        const double area = cv::countNonZero(region(box));
        if (area == 0 || cv::countNonZero(region(box) & inside(box)) < minInside * area) continue;
        s.mask(box) |= region(box);
        bounds |= box;
        const int c = labels32.at<int32_t>(p);
        if (std::find(s.clusters.begin(), s.clusters.end(), c) == s.clusters.end()) s.clusters.push_back(c);
    }
    mask::fillHolesIn(s.mask, bounds);
    return s;
}

TargetSelection selectByTruthClicks(const cv::Mat& labels32, const cv::Mat& truth) {
    checkSizes(labels32, truth);
    std::vector<cv::Point> clicks;
    const auto cs = mask::components(truth);
    for (const auto& c : cs.parts) clicks.push_back(mask::innermostPoint(cs.labels == c.label));
    return selectByClicks(labels32, clicks);
}

namespace {

TargetSelection selectAutomaticAtThisSize(const cv::Mat& labels32, const cv::Mat& grey, const AutoSelectOptions& o) {
    const double total = static_cast<double>(labels32.total());
    const int minArea = std::max(1, static_cast<int>(o.minAreaFraction * total));
    const int ringRadius = std::max(2, static_cast<int>(0.02 * std::max(labels32.cols, labels32.rows)));
    const auto ringKernel = cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * ringRadius + 1, 2 * ringRadius + 1});
    double minLabel, maxLabel;
    cv::minMaxLoc(labels32, &minLabel, &maxLabel);

    TargetSelection best, central;
    double bestScore = 0, bestCentrality = -1;
    const cv::Point2d centre(labels32.cols / 2.0, labels32.rows / 2.0);
    const double halfDiagonal = std::hypot(centre.x, centre.y);
    // Opening detaches thin structures (hairs, vessels) that would join a
    // target to the border.
    const int openRadius = std::max(1, static_cast<int>(o.openingFraction * std::max(labels32.cols, labels32.rows)));
    const auto openKernel = cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * openRadius + 1, 2 * openRadius + 1});
    for (int c = static_cast<int>(minLabel); c <= static_cast<int>(maxLabel); ++c) {
        const cv::Mat cluster = mask::clusterMask(labels32, c);
        auto [partLabels, parts] = mask::components(mask::smoothOpen(cluster, openRadius));
        parts.erase(std::remove_if(parts.begin(), parts.end(),
                                   [&](const mask::Component& p) { return p.touchesBorder || p.area < minArea; }),
                    parts.end());
        if (parts.empty()) continue;
        int largest = 0;
        for (const auto& p : parts) largest = std::max(largest, p.area);
        parts.erase(std::remove_if(parts.begin(), parts.end(),
                                   [&](const mask::Component& p) { return p.area < o.siblingFraction * largest; }),
                    parts.end());
        cv::Mat candidate = mask::unionOf(partLabels, parts);
        // Give back what the opening shaved off the outline (not the hairs beyond it).
        cv::dilate(candidate, candidate, openKernel);
        candidate = mask::fillHoles(candidate & cluster);
        const double fraction = cv::countNonZero(candidate) / total;
        if (fraction > o.maxAreaFraction) continue;

        cv::Mat dilated;
        cv::dilate(candidate, dilated, ringKernel);
        const cv::Mat ring = dilated & ~candidate;
        const double contrast = cv::mean(grey, ring)[0] - cv::mean(grey, candidate)[0];
        const double score = contrast * std::sqrt(fraction);
        const cv::Moments m = cv::moments(candidate, true);
        const double centrality = 1.0 - std::hypot(m.m10 / m.m00 - centre.x, m.m01 / m.m00 - centre.y) / halfDiagonal;
        if (score > bestScore) {
            bestScore = score;
            best = {candidate, {c}, {}};
        }
        if (centrality > bestCentrality) {
            bestCentrality = centrality;
            central = {candidate, {c}, {}};
        }
    }
    if (!best.mask.empty()) return best;
    if (!central.mask.empty()) return central;  // nothing darker than its surroundings
    return {cv::Mat::zeros(labels32.size(), CV_8U), {}, {}};
}

}  // namespace

TargetSelection selectAutomatic(const cv::Mat& labels32, const cv::Mat& grey, const AutoSelectOptions& o) {
    const int side = std::max(labels32.cols, labels32.rows);
    if (side <= o.maxWorkingSide) return selectAutomaticAtThisSize(labels32, grey, o);
    // A large photo: its openings and rings (radii of 1% and 2% of its side)
    // are computed on a reduced copy, then the chosen region is taken from the
    // full-size cluster within one reduced pixel of it.
    const double f = static_cast<double>(o.maxWorkingSide) / side;
    const cv::Size small(std::max(1, cvRound(labels32.cols * f)), std::max(1, cvRound(labels32.rows * f)));
    cv::Mat smallLabels, smallGrey;
    cv::resize(labels32, smallLabels, small, 0, 0, cv::INTER_NEAREST);
    cv::resize(grey, smallGrey, small, 0, 0, cv::INTER_AREA);
    TargetSelection s = selectAutomaticAtThisSize(smallLabels, smallGrey, o);
    if (s.clusters.empty()) return {cv::Mat::zeros(labels32.size(), CV_8U), {}, {}};
    cv::Mat near;
    cv::dilate(s.mask, near, cv::getStructuringElement(cv::MORPH_RECT, {3, 3}));
    cv::resize(near, near, labels32.size(), 0, 0, cv::INTER_NEAREST);
    s.mask = mask::fillHoles(near & mask::clusterMask(labels32, s.clusters.front()));
    return s;
}

}  // namespace msf
