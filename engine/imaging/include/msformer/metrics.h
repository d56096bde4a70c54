#pragma once
// The paper's overlap metrics (Table 1) and the 95th-percentile Hausdorff distance.
#include <opencv2/core.hpp>

#include <limits>

namespace msf {

struct MaskScores {
    double dsc = 0;   // 2|A n B| / (|A| + |B|); 1 when both are empty
    double hm = 0;    // (|A u B| - |A n B|) / |A u B| = 1 - IoU; 0 when both are empty
    double xorRatio = 0;  // (|A u B| - |A n B|) / |B|, B = ground truth; +inf if B is empty and A is not
    double hd95 = 0;  // symmetric 95th-percentile boundary distance in pixels;
                      // the image diagonal when exactly one mask is empty, 0 when both are
    // The same in millimetres, from pixel centres spaced spacingX across and spacingY down (exact for
    // non-square pixels too); NaN where the pixel size is not known.
    double hd95Mm = std::numeric_limits<double>::quiet_NaN();
};

// pred and truth: same size, non-zero = inside. spacingX, spacingY: the pixel size in mm (column and row
// spacing), 0 where unknown (then hd95Mm is NaN).
MaskScores scoreMasks(const cv::Mat& pred, const cv::Mat& truth, double spacingX = 0, double spacingY = 0);
// DSC, HM and XOR only (hd95 left 0): no distance transforms, for a live display.
MaskScores scoreOverlap(const cv::Mat& pred, const cv::Mat& truth);

}  // namespace msf
