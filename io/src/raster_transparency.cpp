#include "raster_transparency.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

#include "image_turns.h"

namespace msf::io {

namespace {
uint32_t bigEndian(const unsigned char* b) { return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3]; }

// PNG chunks: a 4-byte big-endian length, a 4-letter type, the data, a CRC. IHDR comes first; tRNS and eXIf,
// where present, come before the first IDAT.
Transparency pngTransparency(std::ifstream& in) {
    Transparency t;
    int colourType = -1, bitDepth = 8;
    for (int chunk = 0; chunk < 100000; ++chunk) {
        unsigned char head[8];
        if (!in.read(reinterpret_cast<char*>(head), 8)) break;
        const std::string type(reinterpret_cast<const char*>(head + 4), 4);
        if (type == "IDAT" || type == "IEND") break;
        uint32_t skip = bigEndian(head);
        if (type == "IHDR" && skip >= 13) {
            unsigned char ihdr[13];
            if (!in.read(reinterpret_cast<char*>(ihdr), 13)) break;
            bitDepth = ihdr[8];
            colourType = ihdr[9];
            t.hasAlpha = t.hasAlpha || colourType == 4 || colourType == 6;
            t.grey = colourType == 0 || colourType == 4;
            skip -= 13;
        }
        t.hasAlpha = t.hasAlpha || type == "tRNS";
        if (type == "tRNS" && colourType == 0 && skip >= 2 && bitDepth >= 1 && bitDepth <= 16) {
            // One grey value, of the image's bit depth; the decoder spreads 1-4-bit values over 0..255.
            unsigned char key[2];
            if (!in.read(reinterpret_cast<char*>(key), 2)) break;
            const int value = key[0] << 8 | key[1];
            t.greyKey = bitDepth < 8 ? value * 255 / ((1 << bitDepth) - 1) : value;
            skip -= 2;
        }
        t.turned = t.turned || type == "eXIf";
        if (!in.seekg(std::streamoff(skip) + 4, std::ios::cur)) break;
    }
    return t;
}

// A classic TIFF's first directory: SamplesPerPixel (277), PhotometricInterpretation (262), ExtraSamples (338:
// 1 associated alpha, 2 unassociated, 0 not alpha; OpenCV writes RGBA without it), Orientation (274).
Transparency tiffTransparency(std::ifstream& in, bool little) {
    Transparency t;
    const auto number = [little](const unsigned char* b, int bytes) {
        uint32_t v = 0;
        for (int k = 0; k < bytes; ++k) v |= uint32_t(b[little ? k : bytes - 1 - k]) << (8 * (little ? k : bytes - 1 - k));
        return v;
    };
    unsigned char head[8];
    if (!in.seekg(0) || !in.read(reinterpret_cast<char*>(head), 8) || number(head + 2, 2) != 42) return t;
    unsigned char count[2];
    if (!in.seekg(number(head + 4, 4)) || !in.read(reinterpret_cast<char*>(count), 2)) return t;
    uint32_t samples = 1, photometric = 99, orientation = 1;
    int extra = -1;  // absent
    for (uint32_t e = 0, n = number(count, 2); e < n; ++e) {
        unsigned char entry[12];
        if (!in.read(reinterpret_cast<char*>(entry), 12)) return t;
        const uint32_t tag = number(entry, 2), type = number(entry + 2, 2);
        const uint32_t value = type == 3 ? number(entry + 8, 2) : number(entry + 8, 4);  // SHORT or LONG, in place
        if (tag == 277) samples = value;
        if (tag == 262) photometric = value;
        if (tag == 274) orientation = value;
        if (tag == 338 && number(entry + 4, 4) >= 1) extra = int(value);
    }
    const bool grey = photometric <= 1, rgb = photometric == 2;
    t.hasAlpha = ((grey && samples == 2) || (rgb && samples == 4)) && extra != 0;
    t.premultiplied = t.hasAlpha && extra == 1;
    t.grey = grey;
    t.turned = orientation != 1;
    return t;
}

// WebP: "RIFF", size, "WEBP", then a VP8X chunk (flags: 0x10 alpha, 0x08 EXIF) or a lossless VP8L bitstream
// (its alpha_is_used bit after the 14-bit width and height) or a lossy VP8 one (no alpha).
Transparency webpTransparency(std::ifstream& in) {
    Transparency t;
    unsigned char b[25];
    if (!in.seekg(0) || !in.read(reinterpret_cast<char*>(b), 25)) return t;
    if (std::memcmp(b + 12, "VP8X", 4) == 0) {
        t.hasAlpha = (b[20] & 0x10) != 0;
        t.turned = (b[20] & 0x08) != 0;
    } else if (std::memcmp(b + 12, "VP8L", 4) == 0) {
        t.hasAlpha = (b[24] & 0x10) != 0;  // bit 28 of the 32 bits after the signature byte 0x2f
    }
    return t;
}

// BMP: a 32-bit image whose masks name an alpha channel (BI_BITFIELDS with a V4/V5 header's alpha mask, or
// BI_ALPHABITFIELDS), as image editors write a transparent BMP; the decoder then gives it as a fourth channel.
// A 32-bit BI_RGB image's fourth byte is unused (not alpha), as the format says.
Transparency bmpTransparency(std::ifstream& in) {
    Transparency t;
    unsigned char b[70];
    if (!in.seekg(0) || !in.read(reinterpret_cast<char*>(b), sizeof b)) return t;
    const auto little = [&b](int at, int bytes) {
        uint32_t v = 0;
        for (int k = 0; k < bytes; ++k) v |= uint32_t(b[at + k]) << (8 * k);
        return v;
    };
    const uint32_t header = little(14, 4), bits = little(28, 2), compression = little(30, 4);
    const bool masksGiven = (compression == 3 && header >= 56) || compression == 6;  // BI_BITFIELDS, BI_ALPHABITFIELDS
    t.hasAlpha = bits == 32 && masksGiven && little(66, 4) != 0;
    return t;
}
}  // namespace

Transparency transparencyOf(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[12];
    if (!in.read(magic, 12)) return {};
    if (std::memcmp(magic, "\x89PNG\r\n\x1a\n", 8) == 0) {
        in.seekg(8);
        return pngTransparency(in);
    }
    if (std::memcmp(magic, "II*\0", 4) == 0 || std::memcmp(magic, "MM\0*", 4) == 0) return tiffTransparency(in, magic[0] == 'I');
    if (std::memcmp(magic, "RIFF", 4) == 0 && std::memcmp(magic + 8, "WEBP", 4) == 0) return webpTransparency(in);
    if (std::memcmp(magic, "BM", 2) == 0) return bmpTransparency(in);
    return {};
}

cv::Mat overBlack(const cv::Mat& raw, cv::Mat shown, const Transparency& t, size_t& transparent, bool& leftOut) {
    transparent = 0;
    leftOut = false;
    // OpenCV gives the alpha channel as a fourth (grey: a second) channel. (A failed decode is empty but may
    // keep its type.)
    if (raw.empty() || (raw.channels() != 2 && raw.channels() != 4)) {
        leftOut = !raw.empty();
        return shown;
    }
    std::vector<cv::Mat> planes;
    cv::split(raw, planes);
    const cv::Mat alpha = planes.back();
    planes.pop_back();
    cv::Mat colour;
    cv::merge(planes, colour);
    if (shown.empty()) shown = colour;
    int turn = 0;
    if (t.turned) {
        // The decoder turns the colours by the file's orientation when it leaves alpha out, and not otherwise:
        // the turn that lines the two up.
        if (colour.channels() == 1 && shown.channels() == 3) cv::cvtColor(colour, colour, cv::COLOR_GRAY2BGR);
        turn = turnBetween(colour, shown);
        if (turn < 0) {
            leftOut = true;
            return shown;
        }
    }
    const cv::Mat a = turnedBy(alpha, turn);
    const int depth = a.depth();
    if (depth != CV_8U && depth != CV_16U && depth != CV_32F && depth != CV_64F) {  // a signed integer TIFF
        leftOut = true;
        return shown;
    }
    const double opaque = depth == CV_8U ? 255 : depth == CV_16U ? 65535 : 1.0;
    transparent = a.total() - static_cast<size_t>(cv::countNonZero(a == opaque));
    if (transparent == 0 || t.premultiplied) return shown;  // associated alpha: stored over black already
    cv::Mat weight = a;
    if (shown.channels() == 3) cv::merge(std::vector<cv::Mat>{a, a, a}, weight);
    cv::multiply(shown, weight, shown, 1.0 / opaque);  // value x alpha / opaque, rounded
    return shown;
}

cv::Mat decodedOverBlack(const std::string& path, const Transparency& t, int flags, size_t& transparent,
                         bool& leftOut) {
    if (t.greyKey >= 0) {  // a grey PNG's one transparent value, which the decoder gives no alpha for
        cv::Mat shown = cv::imread(path, flags);
        transparent = 0;
        leftOut = false;
        if (shown.channels() == 1 && !shown.empty()) {
            const cv::Mat key = shown == t.greyKey;
            transparent = static_cast<size_t>(cv::countNonZero(key));
            shown.setTo(0, key);
        }
        return shown;
    }
    const cv::Mat raw = cv::imread(path, cv::IMREAD_UNCHANGED);
    const bool withAlpha = !raw.empty() && (raw.channels() == 2 || raw.channels() == 4);
    // Without a turn the colours are the raw decode's: no second decode.
    const cv::Mat shown = t.turned || !withAlpha ? cv::imread(path, flags) : cv::Mat();
    return overBlack(raw, shown, t, transparent, leftOut);
}

}  // namespace msf::io
