#include "msformer/evaluation.h"

#include "msformer/target_selection.h"

namespace msf {

ProtocolScores evaluateAllProtocols(const cv::Mat& labels32, const cv::Mat& truth, const cv::Mat& grey,
                                    double spacingX, double spacingY) {
    ProtocolScores s;
    s.bestOverlap = scoreMasks(selectBestOverlap(labels32, truth).mask, truth, spacingX, spacingY);
    s.click = scoreMasks(selectByTruthClicks(labels32, truth).mask, truth, spacingX, spacingY);
    s.automatic = scoreMasks(selectAutomatic(labels32, grey).mask, truth, spacingX, spacingY);
    s.dilatedTruth = scoreMasks(selectBestOverlapDilatedTruth(labels32, truth).mask, truth, spacingX, spacingY);
    return s;
}

}  // namespace msf
