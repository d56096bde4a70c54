#pragma once
// Turning a cluster map into a binary target mask: the paper's best-overlap
// protocol, the click protocol (what one click per target region gives) and
// the automatic protocol (no ground truth at all).
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "msformer/image_buffer.h"

namespace msf {

struct TargetSelection {
    cv::Mat mask;                  // CV_8U 0 / 255, the label map's size
    std::vector<int> clusters;     // clusters the mask came from
    std::vector<cv::Point> clicks; // click protocol: where it clicked
};

// Paper Table 1: the single cluster with the largest overlap with the truth.
TargetSelection selectBestOverlap(const cv::Mat& labels32, const cv::Mat& truth);

// The published evaluation code's variant: best-overlap cluster multiplied by
// the ground truth dilated twice with a 7x7 kernel. USES THE GROUND TRUTH in
// the prediction; only for comparing with published figures.
TargetSelection selectBestOverlapDilatedTruth(const cv::Mat& labels32, const cv::Mat& truth);

// The connected regions of the clusters under these clicks, holes filled.
TargetSelection selectByClicks(const cv::Mat& labels32, const std::vector<cv::Point>& clicks);

// A pick carried over from another mask (the neighbouring slice's): the
// connected regions (one cluster each, 8-connected) that `prior` touches and
// that lie at least `minInside` inside it, holes filled. `prior` is CV_8U,
// > 0 inside, the label map's size.
TargetSelection selectLikeMask(const cv::Mat& labels32, const cv::Mat& prior, double minInside = 0.5);

// Click protocol: one simulated click per connected component of the truth,
// at its innermost point (maximum of its distance transform).
TargetSelection selectByTruthClicks(const cv::Mat& labels32, const cv::Mat& truth);

struct AutoSelectOptions {
    double minAreaFraction = 0.002;   // regions smaller than this are ignored
    double maxAreaFraction = 0.7;     // a candidate larger than this is background
    double siblingFraction = 0.1;     // also keep same-cluster regions >= this x the largest
    double openingFraction = 0.01;    // opening radius (x image side) that cuts thin hairs
    int maxWorkingSide = 1024;        // larger maps are judged on a copy reduced to this side
};

// Automatic protocol: for each cluster, after a morphological opening that
// cuts thin hairs, its regions that do not touch the
// image border (large enough), holes filled; the candidate that is darkest
// against the ring around it wins (a lesion on skin, lungs in a body), weighted
// by sqrt(area). `grey` is the working image in [0, 1] at the label map's size.
// Maps larger than maxWorkingSide are judged on a reduced copy; the mask is
// the chosen cluster at full size within one reduced pixel of the region.
TargetSelection selectAutomatic(const cv::Mat& labels32, const cv::Mat& grey,
                                const AutoSelectOptions& options = {});

}  // namespace msf
