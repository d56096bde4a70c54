#pragma once
#include <opencv2/core.hpp>

namespace msf {

// A fixed, well-separated colour per cluster id (BGR), the same in CLI and GUI.
cv::Vec3b clusterColour(int cluster);
// CV_32S label map -> CV_8UC3 colour image.
cv::Mat colourizeLabels(const cv::Mat& labels32);

}  // namespace msf
