#pragma once
// Generated test images with known masks (the project's own synthetic set).
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace msf::phantom {

struct Phantom {
    std::string name;
    cv::Mat image;  // CV_8UC3 (BGR) or CV_8UC1
    cv::Mat mask;   // CV_8U 0 / 255, the target
};

// Dark irregular lesion on textured skin with hairs, and the dark vignette in
// the corners that dermoscopes give.
Phantom skinLesion(int size, uint64_t seed);
// The same lesion on a saturated, perfectly flat white background.
Phantom lesionOnFlat(int size, uint64_t seed);
// Dark lungs in a bright noisy body ellipse on dark air (a CT slice).
Phantom lungCt(int size, uint64_t seed);
// The lung slice clipped as a narrow window does: air and lungs exactly 0.
Phantom lungCtClipped(int size, uint64_t seed);

// The project's synthetic set: every kind above for each seed.
std::vector<Phantom> syntheticSet(int size, int count, uint64_t seed);

}  // namespace msf::phantom
