#include "msformer/io/mask_writer.h"

#include <opencv2/imgcodecs.hpp>


#include "file_checks.h"
#include "msformer/io/atomic_write.h"
#include "msformer/io/io_error.h"

namespace msf::io {

void writePng(const std::string& path, const cv::Mat& image, bool overwrite) {
    // PNG bytes under another name (.tif, .jpg, none) would be a file other tools misread.
    if (!hasSuffix(path, ".png"))
        throw IoError(path, "a PNG is written only under a name ending in .png; nothing was written");
    checkWritable(path, overwrite);
    std::vector<unsigned char> bytes;
    try {
        if (!cv::imencode(".png", image, bytes)) throw IoError(path, "PNG encoding failed");
    } catch (const cv::Exception& e) {
        throw IoError(path, std::string("PNG encoding failed: ") + e.err);
    }
    writeFileAtomic(path, bytes, overwrite);
}

void writeMaskPng(const std::string& path, const cv::Mat& mask, bool overwrite) {
    cv::Mat m = mask > 0;
    writePng(path, m, overwrite);
}

void writeLabelPng(const std::string& path, const cv::Mat& labels32, bool overwrite) {
    cv::Mat m;
    labels32.convertTo(m, CV_16U);
    writePng(path, m, overwrite);
}

}  // namespace msf::io
