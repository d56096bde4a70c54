#include "png_transparency.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

namespace msf::io {

PngTransparency pngTransparency(const std::string& path) {
    PngTransparency t;
    std::ifstream in(path, std::ios::binary);
    char signature[8];
    if (!in.read(signature, 8) || std::memcmp(signature, "\x89PNG\r\n\x1a\n", 8) != 0) return t;
    // Chunks: a 4-byte big-endian length, a 4-letter type, the data, a CRC. IHDR comes first; tRNS and
    // eXIf, where present, come before the first IDAT.
    for (int chunk = 0; chunk < 100000; ++chunk) {
        unsigned char head[8];
        if (!in.read(reinterpret_cast<char*>(head), 8)) break;
        const uint32_t length = uint32_t(head[0]) << 24 | uint32_t(head[1]) << 16 | uint32_t(head[2]) << 8 | head[3];
        const std::string type(reinterpret_cast<const char*>(head + 4), 4);
        if (type == "IDAT" || type == "IEND") break;
        uint32_t skip = length;
        if (type == "IHDR" && length >= 13) {
            unsigned char ihdr[13];
            if (!in.read(reinterpret_cast<char*>(ihdr), 13)) break;
            const int colourType = ihdr[9];
            t.hasAlpha = t.hasAlpha || colourType == 4 || colourType == 6;
            t.grey = colourType == 0 || colourType == 4;
            skip -= 13;
        }
        t.hasAlpha = t.hasAlpha || type == "tRNS";
        t.exif = t.exif || type == "eXIf";
        if (!in.seekg(std::streamoff(skip) + 4, std::ios::cur)) break;
    }
    return t;
}

namespace {
// The 8 ways of turning an image by quarter turns and mirroring (EXIF orientations 1-8): transposed or not,
// then flipped about neither, one or both axes.
cv::Mat turned(const cv::Mat& m, int turn) {
    cv::Mat out = m;
    if (turn & 4) cv::transpose(m, out);
    if ((turn & 3) != 0) {
        cv::Mat flipped;
        cv::flip(out, flipped, (turn & 3) == 1 ? 0 : (turn & 3) == 2 ? 1 : -1);
        out = flipped;
    }
    return out;
}

bool same(const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}
}  // namespace

cv::Mat decodedOverBlack(const std::string& path, const PngTransparency& png, int flags, size_t& transparent,
                         bool& leftOut) {
    transparent = 0;
    leftOut = false;
    const cv::Mat raw = cv::imread(path, cv::IMREAD_UNCHANGED);
    // OpenCV gives the alpha channel as a fourth (grey: a second) channel; a grey image's tRNS colour it does
    // not turn into alpha. (A failed decode is empty but may keep its type.)
    if (raw.empty() || (raw.channels() != 2 && raw.channels() != 4)) {
        leftOut = !raw.empty();
        return cv::imread(path, flags);
    }
    std::vector<cv::Mat> planes;
    cv::split(raw, planes);
    const cv::Mat alpha = planes.back();
    planes.pop_back();
    cv::Mat shown;
    cv::merge(planes, shown);
    int turn = 0;
    if (png.exif) {
        // The decoder turns the colours by the EXIF orientation when it leaves alpha out, and not otherwise:
        // the turn that lines the two up.
        cv::Mat colour = shown;
        shown = cv::imread(path, flags);
        if (colour.channels() == 1 && shown.channels() == 3) cv::cvtColor(colour, colour, cv::COLOR_GRAY2BGR);
        while (turn < 8 && !same(turned(colour, turn), shown)) ++turn;
        if (turn == 8) {
            leftOut = true;
            return shown;
        }
    }
    const cv::Mat a = turned(alpha, turn);
    const double opaque = a.depth() == CV_16U ? 65535 : 255;
    transparent = a.total() - static_cast<size_t>(cv::countNonZero(a == opaque));
    if (transparent == 0) return shown;
    cv::Mat weight = a;
    if (shown.channels() == 3) cv::merge(std::vector<cv::Mat>{a, a, a}, weight);
    cv::multiply(shown, weight, shown, 1.0 / opaque);  // value x alpha / opaque, rounded
    return shown;
}

}  // namespace msf::io
