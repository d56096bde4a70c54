#include "msformer/io/image.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <iterator>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <tuple>
#include <vector>

#include "msformer/io/io_error.h"

namespace msf::io {

namespace {
int flipCode(const SliceTurn& t) {  // cv::flip: 1 mirrors columns, 0 rows, -1 both
    return t.mirrorColumns && t.mirrorRows ? -1 : t.mirrorColumns ? 1 : 0;
}
}  // namespace

// Each step writes a new matrix: an in-place transpose or flip would change
// the caller's pixels through a shared header.
cv::Mat shownFromStored(const cv::Mat& stored, const SliceTurn& turn) {
    cv::Mat transposed, shown;
    if (turn.transpose) cv::transpose(stored, transposed);
    else transposed = stored;
    if (turn.mirrorColumns || turn.mirrorRows) cv::flip(transposed, shown, flipCode(turn));
    else shown = transposed;
    return shown;
}

cv::Mat storedFromShown(const cv::Mat& shown, const SliceTurn& turn) {
    cv::Mat unflipped, stored;
    if (turn.mirrorColumns || turn.mirrorRows) cv::flip(shown, unflipped, flipCode(turn));
    else unflipped = shown;
    if (turn.transpose) cv::transpose(unflipped, stored);
    else stored = unflipped;
    return stored;
}

bool isVoxelVolume(const ImageMetadata& meta) {
    return meta.format == "NIfTI" || meta.format == "NRRD" || meta.format == "MetaImage";
}

std::string voxelAxesSource(const ImageMetadata& meta) {
    return meta.format == "NRRD" ? "patient space" : meta.format == "MetaImage" ? "patient directions" : "affine";
}

std::array<double, 3> sliceNormal(const std::array<double, 6>& o) {
    return {o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]};
}

std::array<double, 3> currentFramePosition(const Image& image) { return framePosition(image, image.current); }

std::array<double, 3> framePosition(const Image& image, int frame) {
    const auto& m = image.meta;
    if (frame >= 0 && static_cast<size_t>(frame) < m.framePositions.size()) return m.framePositions[frame];
    const auto n = sliceNormal(m.imageOrientation);
    const double step = image.frameCount() > 1 ? frame * std::max(0.0, m.sliceSpacing) : 0.0;
    return {m.imagePosition[0] + step * n[0], m.imagePosition[1] + step * n[1], m.imagePosition[2] + step * n[2]};
}

ShownDirections shownDirections(const Image& image) {
    const auto& m = image.meta;
    ShownDirections d;
    if (m.format == "DICOM" && m.hasGeometry) {
        d.right = {m.imageOrientation[0], m.imageOrientation[1], m.imageOrientation[2]};
        d.down = {m.imageOrientation[3], m.imageOrientation[4], m.imageOrientation[5]};
    } else if (isVoxelVolume(m) && m.hasNiftiAffine && !m.niftiAxes.empty()) {
        // Affine columns i and j in RAS; LPS negates x and y.
        auto axis = [&m](int c, bool mirrored) {
            const double s = mirrored ? -1.0 : 1.0;
            return std::array<double, 3>{-s * m.niftiAffine[0][c], -s * m.niftiAffine[1][c], s * m.niftiAffine[2][c]};
        };
        const auto& t = m.niftiTurn;
        d.right = axis(t.transpose ? 1 : 0, t.mirrorColumns);
        d.down = axis(t.transpose ? 0 : 1, t.mirrorRows);
    } else {
        return d;
    }
    for (auto* v : {&d.right, &d.down}) {
        const double n = std::sqrt((*v)[0] * (*v)[0] + (*v)[1] * (*v)[1] + (*v)[2] * (*v)[2]);
        if (n <= 0) return ShownDirections{};
        for (double& c : *v) c /= n;
    }
    d.known = true;
    return d;
}

std::string directionLetters(const std::array<double, 3>& lps) {
    const char positive[3] = {'L', 'P', 'S'}, negative[3] = {'R', 'A', 'I'};
    std::array<int, 3> order{0, 1, 2};
    std::sort(order.begin(), order.end(), [&lps](int a, int b) { return std::abs(lps[a]) > std::abs(lps[b]); });
    std::string letters;
    for (int a : order)  // a component under 0.2 (beyond about 78 degrees) is left out
        if (std::abs(lps[a]) >= 0.2) letters += lps[a] > 0 ? positive[a] : negative[a];
    return letters;
}

std::string slicePlane(const Image& image) {
    const ShownDirections d = shownDirections(image);
    if (!d.known) return {};
    const std::array<double, 6> rowsAndColumns{d.right[0], d.right[1], d.right[2], d.down[0], d.down[1], d.down[2]};
    const auto n = sliceNormal(rowsAndColumns);
    const char* names[3] = {"sagittal", "coronal", "axial"};  // normal along x (L), y (P), z (S)
    int strongest = 0;
    for (int a = 1; a < 3; ++a)
        if (std::abs(n[a]) > std::abs(n[strongest])) strongest = a;
    return std::abs(n[strongest]) >= std::cos(M_PI / 6) ? names[strongest] : "oblique";
}

std::array<std::string, 4> edgeLetters(const Image& image) {
    const ShownDirections d = shownDirections(image);
    if (!d.known) return {};
    auto opposite = [](std::array<double, 3> v) {
        for (double& c : v) c = -c;
        return v;
    };
    return {directionLetters(opposite(d.right)), directionLetters(opposite(d.down)), directionLetters(d.right),
            directionLetters(d.down)};
}

std::string currentSopInstanceUid(const Image& image) { return sopInstanceUidOf(image, image.current); }

std::string sopInstanceUidOf(const Image& image, int frame) {
    const auto& m = image.meta;
    return frame >= 0 && static_cast<size_t>(frame) < m.sopInstanceUids.size() ? m.sopInstanceUids[frame]
                                                                                : m.sopInstanceUid;
}

std::string frameFileName(const Image& image, int frame) {
    const auto& m = image.meta;
    if (frame >= 0 && static_cast<size_t>(frame) < m.frameFiles.size()) return m.frameFiles[frame];
    const auto slash = m.sourcePath.find_last_of('/');
    return slash == std::string::npos ? m.sourcePath : m.sourcePath.substr(slash + 1);
}

int frameInFile(const Image& image, int frame) {
    if (!image.meta.frameFiles.empty()) return instanceFrameNumberOf(image, frame) - 1;  // 0: a single-frame file
    return image.frameCount() > 1 ? frame : -1;
}

int currentInstanceFrameNumber(const Image& image) { return instanceFrameNumberOf(image, image.current); }

int instanceFrameNumberOf(const Image& image, int frame) {
    const auto& m = image.meta;
    if (m.format != "DICOM" || frame < 0) return 0;
    if (!m.sopInstanceUids.empty())  // a series: each file's own frame numbers, if it has several frames
        return static_cast<size_t>(frame) < m.instanceFrameNumbers.size() ? m.instanceFrameNumbers[frame] : 0;
    return image.frameCount() > 1 ? frame + 1 : 0;
}

void checkFrameMasks(const std::string& path, const std::vector<FrameMask>& masks, const Image& source) {
    if (masks.empty()) throw IoError(path, "no frame's mask to write");
    std::vector<bool> given(source.frameCount(), false);
    for (const auto& fm : masks) {
        if (fm.frame < 0 || fm.frame >= source.frameCount())
            throw IoError(path, "frame " + std::to_string(fm.frame) + " is not in the image (" +
                                    std::to_string(source.frameCount()) + " frames)");
        if (fm.mask.size() != masks.front().mask.size() || fm.mask.size() != source.frames[fm.frame].size())
            throw IoError(path, "the mask of frame " + std::to_string(fm.frame) + " is not the frame's size");
        if (given[fm.frame]) throw IoError(path, "frame " + std::to_string(fm.frame) + " given twice");
        given[fm.frame] = true;
    }
}

namespace {
// 5371944 -> "5,371,944", as the mask panel and the CLI write counts.
std::string grouped(size_t n) {
    std::string digits = std::to_string(n);
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
    return digits;
}
}  // namespace

std::vector<std::string> loadNotes(const Image& image) {
    const auto& m = image.meta;
    std::vector<std::string> notes;
    if (m.niftiVolumes > 1)
        notes.push_back("the first of its " + std::to_string(m.niftiVolumes) + " volumes is read");
    if (!m.geometryProblem.empty()) notes.push_back("no geometry: " + m.geometryProblem);
    // "17,601 pixels (27%)": a count of the frames' pixels with its share.
    const auto pixelsAndShare = [&image](size_t n) {
        size_t total = 0;
        for (const cv::Mat& f : image.frames) total += f.total();
        std::ostringstream share;
        share.precision(2);
        share << 100.0 * double(n) / double(std::max<size_t>(total, 1));
        return grouped(n) + (n == 1 ? " pixel (" : " pixels (") + share.str() + "%)";
    };
    if (m.paddedPixels > 0)
        notes.push_back(pixelsAndShare(m.paddedPixels) + " hold its " + m.paddingText +
                        ": outside the scanned area, left out of the automatic window");
    if (m.transparentPixels > 0)
        notes.push_back(pixelsAndShare(m.transparentPixels) + (m.transparentPixels == 1 ? " is" : " are") +
                        " transparent or partly so (its alpha channel): read over black");
    notes.insert(notes.end(), m.readerNotes.begin(), m.readerNotes.end());
    if (m.nonFiniteValues > 0) {
        std::ostringstream value;
        value << m.nonFiniteReadAs;
        notes.push_back(grouped(m.nonFiniteValues) + (m.nonFiniteValues == 1 ? " value is" : " values are") +
                        " NaN or infinite, read as " + value.str() + " (the lowest finite value)");
    }
    return notes;
}

std::vector<Window> ctPresets() {
    return {{-300, 1400, "wide"}, {-600, 1500, "lung"}, {40, 400, "mediastinum"}, {400, 1800, "bone"},
            {40, 80, "brain"}};
}

namespace {

// The k-th smallest value (0-based) of 8- or 16-bit unsigned samples, counted
// in a histogram: what sorting gives, in one pass over a 24-MP photo.
template <typename T>
std::pair<float, float> kthSmallestByHistogram(const cv::Mat& samples, size_t lo, size_t hi) {
    std::vector<size_t> counts(size_t(std::numeric_limits<T>::max()) + 1, 0);
    for (int r = 0; r < samples.rows; ++r) {
        const T* row = samples.ptr<T>(r);
        for (int c = 0; c < samples.cols; ++c) ++counts[row[c]];
    }
    auto kth = [&counts](size_t k) {
        size_t seen = 0;
        for (size_t v = 0; v < counts.size(); ++v)
            if ((seen += counts[v]) > k) return static_cast<float>(v);
        return static_cast<float>(counts.size() - 1);
    };
    return {kth(lo), kth(hi)};
}

}  // namespace

Window percentileWindow(const cv::Mat& frame) {
    const cv::Mat samples = frame.reshape(1);
    const size_t n = samples.total();
    if (n == 0) return {};
    const size_t lo = n / 200, hi = n - 1 - n / 200;
    float a, b;  // (integers below 2^16 are exact in float)
    if (samples.depth() == CV_8U) {
        std::tie(a, b) = kthSmallestByHistogram<uint8_t>(samples, lo, hi);
    } else if (samples.depth() == CV_16U) {
        std::tie(a, b) = kthSmallestByHistogram<uint16_t>(samples, lo, hi);
    } else {
        cv::Mat values;
        samples.convertTo(values, CV_32F);
        std::vector<float> v;  // the finite values (the loader has replaced the others; a reader's own may not)
        v.reserve(values.total());
        std::copy_if(values.begin<float>(), values.end<float>(), std::back_inserter(v), [](float x) { return std::isfinite(x); });
        if (v.empty()) return {};
        const size_t first = v.size() / 200, last = v.size() - 1 - v.size() / 200;
        std::nth_element(v.begin(), v.begin() + first, v.end());
        a = v[first];
        std::nth_element(v.begin(), v.begin() + last, v.end());
        b = v[last];
    }
    if (b <= a) b = a + 1;
    return {(a + b) / 2.0, static_cast<double>(b - a), "auto"};
}

Window autoWindow(const Image& image) {
    if (image.frames.empty()) return {};
    const cv::Mat& px = image.pixels();
    const auto& m = image.meta;
    if (std::isnan(m.paddingLow) || px.channels() != 1) return percentileWindow(px);
    cv::Mat values;
    px.convertTo(values, CV_32F);
    std::vector<float> kept;
    kept.reserve(values.total());
    for (int r = 0; r < values.rows; ++r) {
        const float* row = values.ptr<float>(r);
        for (int c = 0; c < values.cols; ++c)
            if (row[c] < m.paddingLow || row[c] > m.paddingHigh) kept.push_back(row[c]);
    }
    if (kept.empty()) return percentileWindow(px);  // all padding: nothing else to go by
    return percentileWindow(cv::Mat(1, static_cast<int>(kept.size()), CV_32F, kept.data()));
}

std::vector<Window> availableWindows(const Image& image) {
    std::vector<Window> out = image.meta.fileWindows;
    if (image.meta.modality == "CT") {
        const auto presets = ctPresets();
        out.insert(out.end(), presets.begin(), presets.end());
    }
    if (!image.frames.empty()) out.push_back(autoWindow(image));
    return out;
}

Window defaultWindow(const Image& image) {
    if (image.meta.modality == "CT") return ctPresets().front();
    if (!image.frames.empty() && image.pixels().depth() == CV_8U && image.meta.fileWindows.empty()) return {};
    if (!image.meta.fileWindows.empty()) return image.meta.fileWindows.front();
    return autoWindow(image);
}

namespace {
// A frame through a VOI LUT: CV_32F in [0, 1].
cv::Mat throughLut(const cv::Mat& px, const Window& w) {
    cv::Mat values;
    px.convertTo(values, CV_32F);
    const std::vector<float>& lut = *w.lut;
    const double last = double(lut.size()) - 1;
    for (int r = 0; r < values.rows; ++r)
        for (float *p = values.ptr<float>(r), *end = p + values.cols; p != end; ++p) {
            const double i = std::floor(double(*p) - w.lutFirst);
            *p = lut[i > 0 ? size_t(std::min(i, last)) : 0];  // NaN to the first entry, not to an index of 2^63
        }
    return values;
}
}  // namespace

cv::Mat normalizedForSegmentation(const Image& image, const Window& w) {
    const cv::Mat& px = image.pixels();
    cv::Mat out;
    if (w.lut && px.channels() == 1) {
        out = throughLut(px, w);
    } else if (w.valid()) {
        const double lo = w.center - w.width / 2.0;
        px.convertTo(out, CV_32F, 1.0 / w.width, -lo / w.width);
        cv::max(out, 0.0, out);  // in place: no temporaries
        cv::min(out, 1.0, out);
    } else if (px.depth() == CV_8U) {
        px.convertTo(out, CV_32F, 1.0 / 255.0);
    } else if (const Window automatic = autoWindow(image); automatic.valid()) {
        return normalizedForSegmentation(image, automatic);
    } else {  // no finite value to window by (the loader refuses such an image): flat
        out = cv::Mat::zeros(px.size(), CV_32FC(px.channels()));
    }
    if (image.meta.photometric == "MONOCHROME1") out = 1.0 - out;
    return out;
}

cv::Mat normalizedForSegmentation(const Image& image) {
    return normalizedForSegmentation(image, image.meta.window);
}

cv::Mat displayedFrame(const Image& image, const Window& w) {
    const cv::Mat& px = image.pixels();
    cv::Mat out;
    if (w.lut && px.channels() == 1) {
        throughLut(px, w).convertTo(out, CV_8U, 255.0);
    } else if (w.valid()) {
        // convertTo saturates to 0..255: the window's clamping comes free.
        const double lo = w.center - w.width / 2.0;
        px.convertTo(out, CV_8U, 255.0 / w.width, -lo * 255.0 / w.width);
    } else if (px.depth() == CV_8U) {
        out = px.clone();
    } else {
        return displayedFrame(image, autoWindow(image));
    }
    if (image.meta.photometric == "MONOCHROME1") cv::bitwise_not(out, out);
    return out;
}

cv::Mat displayedFrame(const Image& image) { return displayedFrame(image, image.meta.window); }

double pixelAspect(const Image& image) {
    const auto& m = image.meta;
    if (m.spacingX > 0 && m.spacingY > 0) return m.spacingY / m.spacingX;
    return m.aspectRatio > 0 ? m.aspectRatio : 1.0;
}

std::string frameTag(const Image& image) { return frameTag(image, image.current); }

std::string labelsText(const std::vector<MaskLabel>& labels) {
    std::string text;
    for (const MaskLabel& l : labels)
        text += (text.empty() ? "" : ", ") + std::to_string(l.value) +
                (l.name.empty() || l.name == "label " + std::to_string(l.value) ? "" : " (" + l.name + ")");
    return text;
}

std::string framesTag(const std::vector<int>& frames) { return "_frames" + frameRanges(frames, "_"); }

std::string frameRanges(const std::vector<int>& frames, const std::string& separator) {
    std::string text;
    for (size_t i = 0; i < frames.size();) {
        size_t j = i;
        while (j + 1 < frames.size() && frames[j + 1] == frames[j] + 1) ++j;
        text += (i ? separator : "") + std::to_string(frames[i]) + (j > i ? "-" + std::to_string(frames[j]) : "");
        i = j + 1;
    }
    return text;
}

std::string frameTag(const Image& image, int frame) {
    return image.frameCount() > 1 ? "_frame" + std::to_string(frame) : std::string();
}

}  // namespace msf::io
