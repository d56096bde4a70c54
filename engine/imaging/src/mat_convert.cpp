#include "msformer/mat_convert.h"

#include <opencv2/imgproc.hpp>

#include <stdexcept>

namespace msf {

ImageBuffer toImageBuffer(const cv::Mat& image) {
    if (image.empty()) throw std::invalid_argument("empty image");
    cv::Mat rgb;
    switch (image.channels()) {
        case 1: rgb = image; break;
        case 3: cv::cvtColor(image, rgb, cv::COLOR_BGR2RGB); break;
        case 4: cv::cvtColor(image, rgb, cv::COLOR_BGRA2RGB); break;
        default: throw std::invalid_argument("unsupported channel count " + std::to_string(image.channels()));
    }
    // Converted straight into the buffer's storage: no intermediate images
    // (a 3000 x 3000 radiograph is redone on every window/level drag step).
    ImageBuffer out{rgb.cols, rgb.rows, rgb.channels(), {}};
    out.data.resize(rgb.total() * rgb.channels());
    cv::Mat dst(rgb.rows, rgb.cols, CV_32FC(rgb.channels()), out.data.data());
    switch (rgb.depth()) {
        case CV_8U: rgb.convertTo(dst, CV_32F, 1.0 / 255.0); break;
        case CV_16U: rgb.convertTo(dst, CV_32F, 1.0 / 65535.0); break;
        case CV_32F:
            cv::max(rgb, 0.0, dst);
            cv::min(dst, 1.0, dst);
            break;
        default: throw std::invalid_argument("unsupported pixel depth");
    }
    return out;
}

cv::Mat toMat(const LabelMap& labels) {
    cv::Mat m(labels.height, labels.width, CV_32S);
    std::copy(labels.labels.begin(), labels.labels.end(), m.ptr<int32_t>());
    return m;
}

cv::Mat viewOf(const LabelMap& labels) {
    if (labels.empty()) return cv::Mat();
    return cv::Mat(labels.height, labels.width, CV_32S, const_cast<int32_t*>(labels.labels.data()));
}

LabelMap toLabelMap(const cv::Mat& labels) {
    cv::Mat m;
    labels.convertTo(m, CV_32S);
    if (!m.isContinuous()) m = m.clone();
    LabelMap out{m.cols, m.rows, {}};
    out.labels.assign(m.ptr<int32_t>(), m.ptr<int32_t>() + m.total());
    return out;
}

cv::Mat toGrey(const ImageBuffer& image) {
    return toGrey(cv::Mat(image.height, image.width, CV_32FC(image.channels), const_cast<float*>(image.data.data())));
}

cv::Mat toGrey(const cv::Mat& image) {
    if (image.channels() == 1) return image.clone();
    cv::Mat grey;
    cv::transform(image, grey, cv::Matx13f(1.f / 3, 1.f / 3, 1.f / 3));
    return grey;
}

}  // namespace msf
