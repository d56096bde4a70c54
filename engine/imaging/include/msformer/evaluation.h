#pragma once
// Scoring one label map against a ground-truth mask under every protocol.
#include <opencv2/core.hpp>

#include "msformer/metrics.h"

namespace msf {

struct ProtocolScores {
    MaskScores bestOverlap;   // paper Table 1 (uses the truth to pick the cluster)
    MaskScores click;         // one simulated click per truth component
    MaskScores automatic;     // no ground truth at all
    MaskScores dilatedTruth;  // published code's variant (uses the truth in the prediction)
};

// labels32 and truth at the same size; grey: the image in [0, 1] at that size; spacingX, spacingY: its
// pixel size in mm, 0 where unknown (for the scores' hd95Mm).
ProtocolScores evaluateAllProtocols(const cv::Mat& labels32, const cv::Mat& truth, const cv::Mat& grey,
                                    double spacingX = 0, double spacingY = 0);

}  // namespace msf
