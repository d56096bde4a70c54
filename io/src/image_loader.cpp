#include "msformer/io/image_loader.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <functional>
#include <filesystem>
#include <vector>

#include "msformer/io/dicom_reader.h"
#include "msformer/io/dicom_seg.h"
#include "msformer/io/io_error.h"
#include "msformer/io/nifti_io.h"

namespace msf::io {

Image loadImage(const std::string& path, const LoadOptions& options) {
    std::error_code ec;
    Image img;
    if (std::filesystem::is_directory(path, ec)) img = readDicomFolder(path, options.seriesUid);
    else if (looksLikeNifti(path)) img = readNifti(path);
    else if (looksLikeDicom(path)) img = readDicom(path);
    else img = readRaster(path);
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
// The share of the pixels that the `levels` most frequent grey levels cover.
double shareOfCommonestLevels(const cv::Mat& grey, size_t levels) {
    std::vector<uint16_t> values;
    values.reserve(grey.total());
    cv::Mat wide;
    grey.convertTo(wide, CV_16U);
    for (int y = 0; y < wide.rows; ++y) values.insert(values.end(), wide.ptr<uint16_t>(y), wide.ptr<uint16_t>(y) + wide.cols);
    std::sort(values.begin(), values.end());
    std::vector<size_t> counts;
    for (auto run = values.begin(); run != values.end();) {
        const auto end = std::upper_bound(run, values.end(), *run);
        counts.push_back(static_cast<size_t>(end - run));
        run = end;
    }
    std::sort(counts.begin(), counts.end(), std::greater<>());
    size_t covered = 0;
    for (size_t i = 0; i < std::min(levels, counts.size()); ++i) covered += counts[i];
    return values.empty() ? 1.0 : double(covered) / values.size();
}
}  // namespace

MaskFrame maskFrameFor(const Image& image) {
    const auto& m = image.meta;
    MaskFrame which;
    which.frame = image.frameCount() > 1 ? image.current : -1;
    which.sopInstanceUid = currentSopInstanceUid(image);
    which.seriesSopInstanceUids = m.sopInstanceUids.empty() ? std::vector<std::string>{m.sopInstanceUid}
                                                            : m.sopInstanceUids;
    return which;
}

cv::Mat loadMask(const std::string& path, int frame) {
    MaskFrame which;
    which.frame = frame;
    return loadMask(path, which);
}

cv::Mat loadMask(const std::string& path, const MaskFrame& which) {
    if (looksLikeDicom(path) && isDicomSeg(path)) {
        if (which.sopInstanceUid.empty())
            throw IoError(path, "a DICOM SEG is a reference only for the DICOM image it was made on");
        return readDicomSegMaskFor(path, which.sopInstanceUid, which.seriesSopInstanceUids);
    }
    LoadOptions o;
    o.frame = which.frame;
    const Image img = loadImage(path, o);
    cv::Mat grey = img.pixels();
    if (grey.channels() > 1) cv::cvtColor(grey, grey, cv::COLOR_BGR2GRAY);
    // A raster mask is 0 outside and one or a few label values inside (JPEG
    // noise spreads thin over many levels). A photo or scan given as the mask,
    // say with the image and mask folders swapped, would make nearly every
    // pixel "inside": refuse it. DICOM and NIfTI masks may be intensity images
    // (a skull-stripped brain), read as non-zero = inside.
    if (img.meta.format != "DICOM" && img.meta.format != "NIfTI") {
        const double share = shareOfCommonestLevels(grey, 16);
        if (share < 0.8)
            throw IoError(path, "not a mask: its 16 commonest grey levels cover only " +
                                    std::to_string(static_cast<int>(100 * share)) +
                                    "% of the pixels (a mask is 0 outside and one or a few label values inside)");
    }
    return grey > 0;
}

}  // namespace msf::io
