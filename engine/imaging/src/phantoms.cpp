#include "msformer/phantoms.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

namespace msf::phantom {

namespace {

// Smooth random field in [-1, 1]: blurred white noise, normalised.
cv::Mat smoothNoise(cv::RNG& rng, int size, double sigma) {
    cv::Mat n(size, size, CV_32F);
    rng.fill(n, cv::RNG::NORMAL, 0, 1);
    cv::GaussianBlur(n, n, cv::Size(), sigma);
    double lo, hi;
    cv::minMaxLoc(n, &lo, &hi);
    return (n - lo) / std::max(1e-6, hi - lo) * 2.0 - 1.0;
}

// Star-shaped irregular blob around (cx, cy) with mean radius r.
cv::Mat irregularBlob(cv::RNG& rng, int size, double cx, double cy, double rx, double ry, double wobble) {
    std::vector<cv::Point> contour;
    double phase[4], amp[4];
    for (int k = 0; k < 4; ++k) {
        phase[k] = rng.uniform(0.0, 2 * CV_PI);
        amp[k] = rng.uniform(0.3, 1.0) * wobble / (k + 1);
    }
    for (int i = 0; i < 180; ++i) {
        const double t = 2 * CV_PI * i / 180;
        double f = 1.0;
        for (int k = 0; k < 4; ++k) f += amp[k] * std::sin((k + 2) * t + phase[k]);
        contour.emplace_back(cvRound(cx + rx * f * std::cos(t)), cvRound(cy + ry * f * std::sin(t)));
    }
    cv::Mat m = cv::Mat::zeros(size, size, CV_8U);
    cv::fillPoly(m, std::vector<std::vector<cv::Point>>{contour}, 255, cv::LINE_8);
    return m;
}

cv::Mat toU8(const cv::Mat& f) {
    cv::Mat out;
    f.convertTo(out, CV_8U, 255.0);
    return out;
}

Phantom lesionOn(int size, uint64_t seed, bool flatBackground) {
    cv::RNG rng(seed * 7919 + 17);
    const double s = size;
    cv::Mat lesion = irregularBlob(rng, size, s * rng.uniform(0.42, 0.58), s * rng.uniform(0.42, 0.58),
                                   s * rng.uniform(0.14, 0.22), s * rng.uniform(0.14, 0.22), 0.18);
    cv::Mat channels[3];
    const cv::Scalar skin(0.62, 0.70, 0.86), mole(0.20, 0.27, 0.42);  // BGR
    cv::Mat soft;
    lesion.convertTo(soft, CV_32F, 1.0 / 255);
    cv::GaussianBlur(soft, soft, cv::Size(), std::max(1.0, s / 128));
    const cv::Mat texture = smoothNoise(rng, size, s / 40), grain = smoothNoise(rng, size, 1.0);
    for (int c = 0; c < 3; ++c) {
        cv::Mat base = flatBackground ? cv::Mat(size, size, CV_32F, cv::Scalar(1.0))
                                      : cv::Mat(skin[c] + 0.05 * texture + 0.03 * grain);
        cv::Mat dark = mole[c] + 0.06 * texture + 0.03 * grain;
        channels[c] = base.mul(1 - soft) + dark.mul(soft);
    }
    cv::Mat img;
    cv::merge(channels, 3, img);
    if (!flatBackground) {
        for (int h = 0; h < 6; ++h) {  // hairs: dark thin curves crossing the image
            std::vector<cv::Point> hair;
            double x = rng.uniform(0.0, s), y = rng.uniform(0.0, s), a = rng.uniform(0.0, 2 * CV_PI);
            for (int i = 0; i < 40; ++i) {
                hair.emplace_back(cvRound(x), cvRound(y));
                a += rng.uniform(-0.15, 0.15);
                x += std::cos(a) * s / 40;
                y += std::sin(a) * s / 40;
            }
            cv::polylines(img, hair, false, cv::Scalar(0.12, 0.10, 0.10), std::max(1, size / 200), cv::LINE_AA);
        }
        // Dermoscope vignette: black outside a circle slightly larger than the frame's inscribed one.
        cv::Mat vignette(size, size, CV_32F);
        for (int yy = 0; yy < size; ++yy)
            for (int xx = 0; xx < size; ++xx) {
                const double r = std::hypot(xx - s / 2, yy - s / 2) / (s / 2);
                vignette.at<float>(yy, xx) = static_cast<float>(std::clamp((1.12 - r) / 0.12, 0.04, 1.0));
            }
        cv::Mat v3;
        cv::merge(std::vector<cv::Mat>{vignette, vignette, vignette}, v3);
        img = img.mul(v3);
    }
    return {flatBackground ? "lesion_flat" : "lesion", toU8(cv::min(cv::max(img, 0.0), 1.0)), lesion};
}

Phantom lung(int size, uint64_t seed, bool clipped) {
    cv::RNG rng(seed * 104729 + 3);
    const double s = size;
    cv::Mat body = cv::Mat::zeros(size, size, CV_8U);
    cv::ellipse(body, cv::Point(size / 2, size / 2 + size / 40),
                cv::Size(cvRound(s * rng.uniform(0.40, 0.45)), cvRound(s * rng.uniform(0.30, 0.36))), 0, 0, 360, 255,
                cv::FILLED);
    cv::Mat lungs = irregularBlob(rng, size, s * 0.32, s * 0.50, s * 0.11, s * 0.19, 0.08) |
                    irregularBlob(rng, size, s * 0.68, s * 0.50, s * 0.11, s * 0.19, 0.08);
    lungs &= body;
    // Hounsfield-like values mapped to [0, 1] by a wide window: air 0.02, lung 0.12, tissue 0.62, bone 0.9.
    cv::Mat img(size, size, CV_32F, cv::Scalar(0.02));
    img.setTo(0.62, body);
    img.setTo(0.12, lungs);
    cv::circle(img, cv::Point(size / 2, cvRound(s * 0.72)), cvRound(s * 0.05), 0.9, cv::FILLED);  // spine
    cv::Mat noise(size, size, CV_32F);
    rng.fill(noise, cv::RNG::NORMAL, 0, 0.035);
    img += noise + 0.04 * smoothNoise(rng, size, s / 30);
    for (int v = 0; v < 25; ++v) {  // vessels: small bright dots inside the lungs
        const cv::Point p(rng.uniform(0, size), rng.uniform(0, size));
        if (lungs.at<uchar>(p)) cv::circle(img, p, std::max(1, size / 128), 0.45, cv::FILLED);
    }
    if (clipped) {
        // A narrow window: everything below tissue level saturates to exactly 0.
        img = cv::max(img - 0.4, 0.0) / 0.6;
    }
    return {clipped ? "lung_clipped" : "lung", toU8(cv::min(cv::max(img, 0.0), 1.0)), lungs};
}

}  // namespace

Phantom skinLesion(int size, uint64_t seed) { return lesionOn(size, seed, false); }
Phantom lesionOnFlat(int size, uint64_t seed) { return lesionOn(size, seed, true); }
Phantom lungCt(int size, uint64_t seed) { return lung(size, seed, false); }
Phantom lungCtClipped(int size, uint64_t seed) { return lung(size, seed, true); }

std::vector<Phantom> syntheticSet(int size, int count, uint64_t seed) {
    std::vector<Phantom> out;
    for (int i = 0; i < count; ++i) {
        const uint64_t s = seed + static_cast<uint64_t>(i);
        for (auto make : {skinLesion, lesionOnFlat, lungCt, lungCtClipped}) {
            Phantom p = make(size, s);
            p.name += "_" + std::to_string(i);
            out.push_back(std::move(p));
        }
    }
    return out;
}

}  // namespace msf::phantom
