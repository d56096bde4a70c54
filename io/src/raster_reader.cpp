#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <vector>

#include "msformer/io/dicom_reader.h"
#include "msformer/io/image_loader.h"
#include "msformer/io/io_error.h"
#include "file_checks.h"
#include "raster_transparency.h"

namespace msf::io {

namespace fs = std::filesystem;

Image readRaster(const std::string& path) {
    requireNonEmptyFile(path, "an image file");
    // OpenCV hands a file with DICOM's magic to GDCM, which aborts the process on some damaged ones (an
    // assertion, found by fuzzing this reader): DICOM is DCMTK's to read (loadImage sends it there).
    if (hasDicomMagic(path))
        throw IoError(path, "is a DICOM file (\"DICM\" at byte 128), not a raster image: read it as DICOM");
    cv::Mat pixels;
    std::vector<cv::Mat> pages;
    size_t transparent = 0;
    bool transparencyLeftOut = false;
    try {
        if (!cv::haveImageReader(path)) throw IoError(path, "not a supported image format (DICOM, NIfTI or Analyze, NRRD, "
                                "MetaImage, PNG, JPEG, BMP, TIFF, WebP, PNM)");
        // ANYDEPTH keeps 16 bit.
        constexpr int flags = cv::IMREAD_ANYDEPTH | cv::IMREAD_ANYCOLOR;
        // The decoder leaves an alpha channel (PNG, TIFF, WebP, BMP) out, showing the colours kept under
        // transparent pixels: a mask with a transparent background over white read as all inside.
        const Transparency t = transparencyOf(path);
        // A multi-page TIFF (a stack, a cine, a series of views) is read as frames, each page decoded
        // once (twice with alpha): all its pages of the first page's size and type (a scanner's
        // reduced-size preview page is not a frame).
        if (cv::imcount(path, flags) > 1 && cv::imreadmulti(path, pages, flags) && !pages.empty()) {
            std::vector<cv::Mat> raw;  // with their alpha channels
            if (t.hasAlpha && !(cv::imreadmulti(path, raw, cv::IMREAD_UNCHANGED) && raw.size() == pages.size())) {
                raw.clear();
                transparencyLeftOut = true;
            }
            std::vector<cv::Mat> frames;
            Transparency eachPage = t;
            eachPage.turned = true;  // each page's own orientation: the turn is found page by page
            for (size_t i = 0; i < pages.size(); ++i) {
                if (pages[i].size() != pages.front().size() || pages[i].type() != pages.front().type()) continue;
                size_t n = 0;
                bool leftOut = false;
                frames.push_back(raw.empty() ? pages[i] : overBlack(raw[i], pages[i], eachPage, n, leftOut));
                if (t.grey && frames.back().channels() == 3) cv::cvtColor(frames.back(), frames.back(), cv::COLOR_BGR2GRAY);
                transparent += n;
                transparencyLeftOut = transparencyLeftOut || leftOut;
            }
            pages = std::move(frames);
        }
        if (pages.size() > 1) {
            pixels = pages.front();
        } else {
            // One frame: without IGNORE_ORIENTATION, imread applies the EXIF orientation.
            pages.clear();
            pixels = t.hasAlpha ? decodedOverBlack(path, t, flags, transparent, transparencyLeftOut)
                                : cv::imread(path, flags);
            if (t.grey && pixels.channels() == 3) cv::cvtColor(pixels, pixels, cv::COLOR_BGR2GRAY);
        }
    } catch (const cv::Exception& e) {
        // OpenCV refuses a header over its size limits with an assertion text ("pixels <=
        // CV_IO_MAX_IMAGE_PIXELS", "width <= CV_IO_MAX_IMAGE_WIDTH"): say what it means.
        if (e.err.find("CV_IO_MAX_IMAGE") != std::string::npos)
            throw IoError(path, "image too large to decode: its header gives more than 2^30 pixels or "
                                "2^20 per side (the decoder's limits)");
        throw IoError(path, std::string("cannot decode image: ") + e.err);
    }
    if (pixels.empty()) throw IoError(path, "cannot decode image (corrupt, truncated or too large)");
    Image img;
    if (pages.empty()) img.frames = {pixels};
    else img.frames = std::move(pages);
    img.meta.sourcePath = path;
    img.meta.transparentPixels = transparent;
    if (transparencyLeftOut)
        img.meta.readerNotes.push_back("its transparency is left out (the colours under transparent pixels are read)");
    std::string ext = fs::path(path).extension().string();
    for (auto& ch : ext) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    img.meta.format = ext.empty() ? "raster" : ext.substr(1);
    img.meta.modality = "photo";
    const int depth = img.frames.front().depth();
    img.meta.photometric = img.frames.front().channels() == 1 ? "MONOCHROME2" : "RGB";
    img.meta.bitsAllocated = img.meta.bitsStored = static_cast<int>(CV_ELEM_SIZE1(depth)) * 8;
    img.meta.isSigned = depth != CV_8U && depth != CV_16U;
    // Signed and 32-bit integer, and double TIFF pages (8S, 16S, 32S, 64F) are read as float, the frame
    // types the rest reads (8U, 16U, 32F): NaN in a double page is then found and replaced as a float's.
    if (depth != CV_8U && depth != CV_16U && depth != CV_32F)
        for (cv::Mat& frame : img.frames) frame.convertTo(frame, CV_32F);
    img.meta.window = defaultWindow(img);
    return img;
}

}  // namespace msf::io
