#pragma once

#include <opencv2/core.hpp>

namespace msf::io {

// The 8 ways of turning an image by quarter turns and mirroring (EXIF orientations 1-8), numbered 0-7:
// transposed or not (4), then flipped about neither, one or both axes (1, 2, 3).
cv::Mat turnedBy(const cv::Mat& m, int turn);
// The turn that makes `from` equal to `to` (same size, type and values), or -1 where none does: how a decoder
// turned a file it read by its orientation, found from a reading of it that was not turned.
int turnBetween(const cv::Mat& from, const cv::Mat& to);

}  // namespace msf::io
