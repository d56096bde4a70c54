#include "msformer/io/image_loader.h"

#include <opencv2/imgproc.hpp>

#include "msformer/io/io_error.h"

namespace msf::io {

Image loadImage(const std::string& path) { return readRaster(path); }

cv::Mat loadMask(const std::string& path) {
    const Image img = loadImage(path);
    cv::Mat grey = img.pixels;
    if (grey.channels() > 1) cv::cvtColor(grey, grey, cv::COLOR_BGR2GRAY);
    return grey > 0;
}

cv::Mat normalizedForSegmentation(const Image& image) {
    cv::Mat out;
    if (image.pixels.depth() == CV_8U) {
        image.pixels.convertTo(out, CV_32F, 1.0 / 255.0);
        return out;
    }
    double lo, hi;
    cv::minMaxLoc(image.pixels.reshape(1), &lo, &hi);
    const double scale = hi > lo ? 1.0 / (hi - lo) : 0.0;
    image.pixels.convertTo(out, CV_32F, scale, -lo * scale);
    return out;
}

}  // namespace msf::io
