#pragma once
// The one image type the program passes around: pixels, channels, physical
// metadata and where it came from.
#include <opencv2/core.hpp>
#include <string>

namespace msf::io {

struct ImageMetadata {
    std::string sourcePath;
    std::string format;         // "PNG", "JPEG", "DICOM", "NIfTI", ...
    std::string modality;       // DICOM modality ("CT", "MR", ...) or "photo"
    double spacingX = 0, spacingY = 0;  // mm per pixel; 0 when unknown
    int bitsPerSample = 8;
};

struct Image {
    cv::Mat pixels;  // as decoded: 8U/16U/16S/32F; 1 channel, or 3 in OpenCV's BGR order
    ImageMetadata meta;
};

// Pixels as CV_32F in [0, 1] for the segmenter: 8-bit / 255, 16-bit and float
// min-max scaled to the image's own range.
cv::Mat normalizedForSegmentation(const Image& image);

}  // namespace msf::io
