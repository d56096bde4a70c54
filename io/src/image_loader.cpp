#include "msformer/io/image_loader.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <filesystem>
#include <vector>

#include "msformer/io/dicom_reader.h"
#include "msformer/io/dicom_seg.h"
#include "msformer/io/io_error.h"
#include "msformer/io/nifti_io.h"
#include "msformer/io/metaimage_reader.h"
#include "msformer/io/nrrd_reader.h"
#include "mask_grid.h"
#include "palette_indices.h"

namespace msf::io {

namespace {
// NaN and infinite values of float data become the lowest finite value of the image: what "no data" is
// (outside a registered volume's field of view, a masked map), shown dark rather than as whatever a NaN
// turns into when windowed; percentiles and the model need finite values. An image with none is refused.
// In a mask they are 0, outside.
void replaceNonFinite(const std::string& path, Image* img, bool asMask) {
    if (img->frames.empty() || img->frames.front().depth() != CV_32F) return;
    // The usual case, every value finite, told by OpenCV's range check: the loop below, a running minimum,
    // took a fifth of a 600-slice CT series' read (msformer info: 1.75 s with it, 1.40 s without).
    if (std::all_of(img->frames.begin(), img->frames.end(), [](const cv::Mat& f) { return cv::checkRange(f, true); }))
        return;
    size_t count = 0;
    float lowest = std::numeric_limits<float>::infinity();
    for (const cv::Mat& frame : img->frames) {
        const cv::Mat values = frame.reshape(1);
        for (int y = 0; y < values.rows; ++y)
            for (const float *p = values.ptr<float>(y), *end = p + values.cols; p != end; ++p) {
                if (std::isfinite(*p)) lowest = std::min(lowest, *p);
                else ++count;
            }
    }
    if (count == 0) return;
    if (asMask) lowest = 0;
    else if (!std::isfinite(lowest)) throw IoError(path, "holds no finite value (every value is NaN or infinite)");
    for (cv::Mat& frame : img->frames) {
        cv::Mat values = frame.reshape(1);
        for (int y = 0; y < values.rows; ++y)
            for (float *p = values.ptr<float>(y), *end = p + values.cols; p != end; ++p)
                if (!std::isfinite(*p)) *p = lowest;
    }
    img->meta.nonFiniteValues = count;
    img->meta.nonFiniteReadAs = lowest;
    img->meta.window = defaultWindow(*img);  // the reader's came from the values before
}
}  // namespace

Image loadImage(const std::string& path, const LoadOptions& options) {
    Image img;
    if (const std::string folder = dicomFolderOf(path); !folder.empty())  // a folder, or a DICOMDIR's
        img = readDicomFolder(folder, options.seriesUid, options.seriesOfFile, options.cancelled, options.progress,
                              options.series);
    else if (isNiftiInput(path)) img = readNifti(path, options.cancelled, options.progress);
    else if (isNrrdInput(path)) img = readNrrd(path, options.cancelled);
    else if (isMetaImageInput(path)) img = readMetaImage(path, options.cancelled);
    else if (looksLikeDicom(path)) img = readDicom(path, options.cancelled, options.progress);
    else {
        img = readRaster(path);
        if (options.asMask) readPaletteIndicesAsLabels(path, img);
    }
    replaceNonFinite(path, &img, options.asMask);
    if (options.frame >= 0) {
        if (options.frame >= img.frameCount())
            throw IoError(path, "frame " + std::to_string(options.frame) + " requested, the image has " +
                                    std::to_string(img.frameCount()));
        img.current = options.frame;
        img.meta.window = defaultWindow(img);
    }
    return img;
}

namespace {
const LoadOptions kAsMask = [] {
    LoadOptions o;
    o.asMask = true;
    return o;
}();

// The share of the pixels that the `levels` most frequent grey levels cover.
double shareOfCommonestLevels(const cv::Mat& grey, size_t levels) {
    cv::Mat wide;
    grey.convertTo(wide, CV_16U);
    std::vector<size_t> counts(1 << 16, 0);  // a histogram: one pass, whatever the image size
    for (int y = 0; y < wide.rows; ++y)
        for (const uint16_t* p = wide.ptr<uint16_t>(y), *end = p + wide.cols; p != end; ++p) ++counts[*p];
    const size_t n = std::min(levels, counts.size());
    std::partial_sort(counts.begin(), counts.begin() + n, counts.end(), std::greater<>());
    size_t covered = 0;
    for (size_t i = 0; i < n; ++i) covered += counts[i];
    return wide.total() == 0 ? 1.0 : double(covered) / wide.total();
}
}  // namespace

MaskFrame maskFrameFor(const Image& image) {
    const auto& m = image.meta;
    MaskFrame which;
    which.frame = image.frameCount() > 1 ? image.current : -1;
    which.sopInstanceUid = currentSopInstanceUid(image);
    which.instanceFrameNumber = currentInstanceFrameNumber(image);
    which.seriesSopInstanceUids = m.sopInstanceUids.empty() ? std::vector<std::string>{m.sopInstanceUid}
                                                            : m.sopInstanceUids;
    which.ofAnImage = true;
    which.niftiTurn = m.niftiTurn;
    which.imageFrames = image.frameCount();
    if (isVoxelVolume(m) && m.hasNiftiAffine) {
        which.imageHasAffine = true;
        which.imageAffine = m.niftiAffine;
        which.imageXyzUnits = m.niftiXyzUnits;
        which.imageDims = m.volumeDims;
    }
    return which;
}

cv::Mat loadMask(const std::string& path, int frame) {
    MaskFrame which;
    which.frame = frame;
    return loadMask(path, which);
}

namespace {
// A colour label map is read by its colours' grey (0.299 R + 0.587 G + 0.114 B): its labels are named by their
// colours, and a grey that stands for several colours (Pascal VOC's dark red and dark green, both 38) says so: its
// classes cannot be told apart, and checkMaskLabel and loadMask refuse it. A colour counts as a class where it
// has 1% of its grey's pixels and half of them continue a run of it (its left neighbour is of the same colour): an
// antialiased edge's blends are thin, so they are not.
class ColoursOfGreys {
public:
    // The pixels of `bgr` along a row, from `x` of which `left` is the one before (null at a row's start).
    void add(int grey, const cv::Vec3b& bgr, const cv::Vec3b* left) {
        if (grey < 0 || grey >= static_cast<int>(byGrey_.size())) return;
        std::vector<Colour>& seen = byGrey_[static_cast<size_t>(grey)];
        const bool run = left && *left == bgr;
        for (Colour& c : seen)
            if (c.bgr == bgr) {
                ++c.pixels;
                c.inRuns += run;
                return;
            }
        if (seen.size() < 8) seen.push_back({bgr, 1, run ? size_t(1) : 0});
    }
    MaskLabel label(int grey, size_t pixels) const {
        MaskLabel l{grey, "label " + std::to_string(grey)};
        if (grey < 0 || grey >= static_cast<int>(byGrey_.size()) || byGrey_[static_cast<size_t>(grey)].empty()) return l;
        std::vector<std::string> names;
        bool neutral = true;  // a grey map saved as RGB: no colour to name
        for (const Colour& c : byGrey_[static_cast<size_t>(grey)])
            if (100 * c.pixels >= pixels && 2 * c.inRuns >= c.pixels) {
                names.push_back(hex(c.bgr));
                neutral = neutral && c.bgr[0] == c.bgr[1] && c.bgr[1] == c.bgr[2];
            }
        l.colours = static_cast<int>(names.size());
        if (names.size() == 1 && !neutral) l.name = names.front();
        if (names.size() < 2) return l;
        l.name.clear();
        for (size_t i = 0; i < names.size(); ++i) l.name += (i ? i + 1 == names.size() ? " and " : ", " : "") + names[i];
        l.name += ", " + std::to_string(names.size()) + " colours of one grey";
        return l;
    }

private:
    static std::string hex(const cv::Vec3b& bgr) {
        char text[8];
        std::snprintf(text, sizeof text, "#%02x%02x%02x", bgr[2], bgr[1], bgr[0]);
        return text;
    }
    struct Colour {
        cv::Vec3b bgr;
        size_t pixels = 0, inRuns = 0;
    };
    std::vector<std::vector<Colour>> byGrey_ = decltype(byGrey_)(256);  // 8-bit colours' greys
};

// A label that stands for several colours of one grey is no one class's: refused, naming them.
void refuseMergedClasses(const std::string& path, const MaskLabel& label) {
    if (label.colours > 1)
        throw IoError(path, "label " + std::to_string(label.value) + " is " + label.name +
                                ": their classes cannot be told apart (save the map with one value or palette index "
                                "per label)");
}

// The current frame of a mask file read as an image, as the mask of the image `which` describes.
cv::Mat maskOf(const std::string& path, const Image& img, const MaskFrame& which) {
    const cv::Mat colour = img.pixels();
    cv::Mat grey = colour;
    if (grey.channels() > 1) cv::cvtColor(grey, grey, cv::COLOR_BGR2GRAY);
    // A voxel volume's mask (NIfTI, NRRD, MetaImage) was turned by its own header; it lies on its image's voxel
    // grid, so it is shown as the image is (its header may lack the affine,
    // or hold another: a mask exported from a DICOM image carries LPS axes).
    if (isVoxelVolume(img.meta) && which.ofAnImage)
        grey = shownFromStored(storedFromShown(grey, img.meta.niftiTurn), which.niftiTurn);
    // A raster mask is 0 outside and one or a few label values inside (JPEG
    // noise spreads thin over many levels). A photo or scan given as the mask,
    // say with the image and mask folders swapped, would make nearly every
    // pixel "inside": refuse it. DICOM and voxel-volume masks may be intensity images
    // (a skull-stripped brain), read as non-zero = inside.
    if (img.meta.format != "DICOM" && !isVoxelVolume(img.meta)) {
        const double share = shareOfCommonestLevels(grey, 16);
        if (share < 0.8)
            throw IoError(path, "not a mask: its 16 commonest grey levels cover only " +
                                    std::to_string(static_cast<int>(100 * share)) +
                                    "% of the pixels (a mask is 0 outside and one or a few label values inside)");
    }
    if (which.label > 0) {
        cv::Mat inside;
        cv::compare(grey, cv::Scalar(which.label), inside, cv::CMP_EQ);
        // (A voxel volume's grey was turned above, its colours not.)
        if (colour.type() == CV_8UC3 && !isVoxelVolume(img.meta) && which.label < 256) {
            ColoursOfGreys colours;
            for (int y = 0; y < inside.rows; ++y)
                for (int x = 0; x < inside.cols; ++x)
                    if (inside.at<uchar>(y, x))
                        colours.add(which.label, colour.at<cv::Vec3b>(y, x), x ? &colour.at<cv::Vec3b>(y, x - 1) : nullptr);
            refuseMergedClasses(path, colours.label(which.label, static_cast<size_t>(cv::countNonZero(inside))));
        }
        return inside;
    }
    return grey > 0;
}
}  // namespace

cv::Mat loadMask(const std::string& path, const MaskFrame& which) {
    if (looksLikeDicom(path) && isDicomSeg(path)) {
        if (which.sopInstanceUid.empty())
            throw IoError(path, "a DICOM SEG is a reference only for the DICOM image it was made on");
        return readDicomSegMaskFor(path, which.sopInstanceUid, which.instanceFrameNumber, which.seriesSopInstanceUids,
                                   which.label);
    }
    Image file = loadImage(path, kAsMask);
    placeOnImageGrid(path, &file, which);
    // A mask volume of another slice count is another image's: its slice of the same number is not this
    // slice's mask.
    if (which.imageFrames > 0 && file.frameCount() > 1 && file.frameCount() != which.imageFrames)
        throw IoError(path, "the mask has " + std::to_string(file.frameCount()) + " slices or frames, the image " +
                                std::to_string(which.imageFrames) + ": it is another image's mask");
    if (which.frame >= 0) {
        if (which.frame >= file.frameCount())
            throw IoError(path, "frame " + std::to_string(which.frame) + " requested, the mask has " +
                                    std::to_string(file.frameCount()));
        file.current = which.frame;
    }
    return maskOf(path, file, which);
}

namespace {
std::vector<cv::Mat> readMaskFrames(const std::string& path, const Image& image, int label) {
    MaskFrame which = maskFrameFor(image);  // what maskOf reads of it is the same for every frame
    which.label = label;
    if (looksLikeDicom(path) && isDicomSeg(path)) {
        std::vector<std::pair<std::string, int>> instances;
        for (int f = 0; f < image.frameCount(); ++f)
            instances.push_back({sopInstanceUidOf(image, f), instanceFrameNumberOf(image, f)});
        return readDicomSegMasksFor(path, instances, which.seriesSopInstanceUids, label);
    }
    std::vector<cv::Mat> masks(image.frameCount());
    Image file = loadImage(path, kAsMask);
    placeOnImageGrid(path, &file, which);
    if (file.frameCount() == 1 && image.frameCount() >= 1) {  // one slice (a PNG): the shown frame's
        masks[image.current] = maskOf(path, file, which);
        return masks;
    }
    if (file.frameCount() != image.frameCount())
        throw IoError(path, "the mask has " + std::to_string(file.frameCount()) + " frames, the image " +
                                std::to_string(image.frameCount()));
    for (int f = 0; f < file.frameCount(); ++f) {
        file.current = f;
        masks[f] = maskOf(path, file, which);
    }
    return masks;
}
}  // namespace

std::vector<cv::Mat> loadMaskFrames(const std::string& path, const Image& image, int label) {
    std::vector<cv::Mat> masks = readMaskFrames(path, image, label);
    for (size_t f = 0; f < masks.size(); ++f)
        if (!masks[f].empty() && masks[f].size() != image.frames[f].size())
            throw IoError(path, "the mask is " + std::to_string(masks[f].cols) + " x " + std::to_string(masks[f].rows) +
                                    " pixels, the image " + std::to_string(image.frames[f].cols) + " x " +
                                    std::to_string(image.frames[f].rows));
    return masks;
}

std::vector<MaskLabel> maskLabels(const std::string& path) {
    if (looksLikeDicom(path) && isDicomSeg(path)) return dicomSegSegments(path);
    // A label map is piecewise constant: most neighbours inside it have the same value. An intensity image (a
    // skull-stripped brain, 127 grey values) is not: under a tenth of Colin27's BET neighbours agree, 95% of the
    // ITK skull strip's (labels 4, 5, 6); TotalSegmentator's maps have over 100 labels.
    constexpr size_t kMostLabels = 1024;
    constexpr double kLeastAgreement = 0.5;
    const Image file = loadImage(path, kAsMask);
    const std::string& format = file.meta.format;
    if (format == "JPG" || format == "JPEG" || format == "JPE") return {};  // lossy: its levels are noise, not labels
    std::vector<size_t> counts(1 << 16, 0);  // whole values 1..65535; anything else is no label map
    size_t pairs = 0, agreeing = 0;          // horizontal neighbours both inside, and of the same value
    ColoursOfGreys colours;                  // a colour map's: which colours each label's grey stands for
    cv::Mat row;                             // a row at a time: a 24 MP frame as doubles would be 192 MB
    for (const cv::Mat& frame : file.frames) {
        cv::Mat grey = frame;
        if (grey.channels() > 1) cv::cvtColor(grey, grey, cv::COLOR_BGR2GRAY);
        const bool colour = frame.type() == CV_8UC3;
        for (int y = 0; y < grey.rows; ++y) {
            grey.row(y).convertTo(row, CV_64F);
            double left = 0;
            const cv::Vec3b* bgr = colour ? frame.ptr<cv::Vec3b>(y) : nullptr;
            for (const double *p = row.ptr<double>(), *end = p + row.cols; p != end; left = *p++) {
                if (*p == 0) continue;
                if (*p != std::floor(*p) || *p < 1 || *p > 65535) return {};
                ++counts[static_cast<size_t>(*p)];
                if (colour) {
                    const auto x = p - row.ptr<double>();
                    colours.add(static_cast<int>(*p), bgr[x], x ? &bgr[x - 1] : nullptr);
                }
                if (left != 0) {
                    ++pairs;
                    agreeing += left == *p;
                }
            }
        }
    }
    if (pairs > 0 && agreeing < kLeastAgreement * pairs) return {};
    std::vector<MaskLabel> labels;
    for (size_t v = 1; v < counts.size(); ++v)
        if (counts[v]) labels.push_back(colours.label(static_cast<int>(v), counts[v]));
    if (labels.size() > kMostLabels) return {};
    return labels;
}

void checkMaskLabel(const std::string& path, int label) {
    if (label <= 0) return;
    const std::vector<MaskLabel> labels = maskLabels(path);
    const auto found = std::find_if(labels.begin(), labels.end(), [label](const MaskLabel& l) { return l.value == label; });
    if (found != labels.end()) return refuseMergedClasses(path, *found);
    throw IoError(path, "has no label " + std::to_string(label) +
                            (labels.empty() ? std::string(" (it is not a label map: every non-zero pixel is inside)")
                                            : " (its labels: " + labelsText(labels) + ")"));
}

}  // namespace msf::io
