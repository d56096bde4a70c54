#include "palette_indices.h"

#include <png.h>
#include <tiffio.h>

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "image_turns.h"
#include "raster_transparency.h"

namespace msf::io {

namespace {
struct FileCloser {
    void operator()(FILE* f) const { std::fclose(f); }
};

// libpng's errors end the read (its default handler prints them too: the decoder's own message stands).
[[noreturn]] void quietError(png_structp png, png_const_charp) { png_longjmp(png, 1); }
void quietWarning(png_structp, png_const_charp) {}

// libpng's classic reader, which keeps the indices (its simplified API may rebuild the colour map). Errors
// longjmp back here; nothing with a destructor is made between setjmp and the reads.
bool readIndices(FILE* file, cv::Mat& indices, std::vector<png_color>& palette) {
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, quietError, quietWarning);
    if (!png) return false;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, nullptr, nullptr);
        return false;
    }
    std::vector<png_bytep> rows;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, nullptr);
        return false;
    }
    png_init_io(png, file);
    png_read_info(png, info);
    png_colorp entries = nullptr;
    int count = 0;
    if (png_get_color_type(png, info) != PNG_COLOR_TYPE_PALETTE ||
        !png_get_PLTE(png, info, &entries, &count) || count < 1) {
        png_destroy_read_struct(&png, &info, nullptr);
        return false;
    }
    const uint64_t pixels = uint64_t(png_get_image_width(png, info)) * png_get_image_height(png, info);
    if (pixels == 0 || pixels > (uint64_t(1) << 30)) {  // the decoder's own limit
        png_destroy_read_struct(&png, &info, nullptr);
        return false;
    }
    palette.assign(entries, entries + count);
    png_set_packing(png);  // 1-, 2-, 4-bit indices one byte each, their values kept
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    indices.create(static_cast<int>(png_get_image_height(png, info)), static_cast<int>(png_get_image_width(png, info)),
                   CV_8U);
    rows.resize(static_cast<size_t>(indices.rows));
    for (int y = 0; y < indices.rows; ++y) rows[static_cast<size_t>(y)] = indices.ptr<png_byte>(y);
    png_read_image(png, rows.data());
    png_read_end(png, nullptr);
    png_destroy_read_struct(&png, &info, nullptr);
    return true;
}

cv::Mat pngPaletteIndices(const std::string& path, bool turned) {
    const std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) return {};
    png_byte signature[8];
    if (std::fread(signature, 1, 8, file.get()) != 8 || png_sig_cmp(signature, 0, 8) != 0) return {};
    std::rewind(file.get());
    cv::Mat indices;
    std::vector<png_color> palette;
    if (!readIndices(file.get(), indices, palette)) return {};
    if (palette[0].red != 0 || palette[0].green != 0 || palette[0].blue != 0) return {};
    if (!turned) return indices;
    // The decoder turned the colours by the file's orientation: the turn that lines the indices' colours up
    // with them (an index beyond the palette is shown black, as libpng does).
    cv::Mat colours(indices.size(), CV_8UC3);
    for (int y = 0; y < indices.rows; ++y)
        for (int x = 0; x < indices.cols; ++x) {
            const uchar i = indices.at<uchar>(y, x);
            const png_color c = i < palette.size() ? palette[i] : png_color{0, 0, 0};
            colours.at<cv::Vec3b>(y, x) = cv::Vec3b(c.blue, c.green, c.red);
        }
    const cv::Mat decoded = cv::imread(path, cv::IMREAD_COLOR);
    const int turn = turnBetween(colours, decoded);
    return turn < 0 ? cv::Mat() : turnedBy(indices, turn);
}

int quietTiff(TIFF*, void*, const char*, const char*, va_list) { return 1; }  // handled: not printed

struct TiffCloser {
    void operator()(TIFF* t) const { TIFFClose(t); }
};

// A TIFF's pages of 8- or 16-bit palette indices (ImageJ's and Fiji's label images with a LUT), each page's
// colour map starting with black; stripped and unturned (Orientation 1): others are read by colour.
std::vector<cv::Mat> tiffPaletteIndices(const std::string& path) {
    TIFFOpenOptions* options = TIFFOpenOptionsAlloc();
    if (!options) return {};
    TIFFOpenOptionsSetErrorHandlerExtR(options, quietTiff, nullptr);
    TIFFOpenOptionsSetWarningHandlerExtR(options, quietTiff, nullptr);
    const std::unique_ptr<TIFF, TiffCloser> tif(TIFFOpenExt(path.c_str(), "r", options));
    TIFFOpenOptionsFree(options);
    if (!tif) return {};
    std::vector<cv::Mat> pages;
    do {
        uint16_t photometric = 0, bits = 0, samples = 0, orientation = 0;
        uint32_t width = 0, height = 0;
        uint16_t *red = nullptr, *green = nullptr, *blue = nullptr;
        if (!TIFFGetField(tif.get(), TIFFTAG_PHOTOMETRIC, &photometric) || photometric != PHOTOMETRIC_PALETTE ||
            !TIFFGetField(tif.get(), TIFFTAG_IMAGEWIDTH, &width) || !TIFFGetField(tif.get(), TIFFTAG_IMAGELENGTH, &height) ||
            !TIFFGetFieldDefaulted(tif.get(), TIFFTAG_BITSPERSAMPLE, &bits) ||
            !TIFFGetFieldDefaulted(tif.get(), TIFFTAG_SAMPLESPERPIXEL, &samples) ||
            !TIFFGetFieldDefaulted(tif.get(), TIFFTAG_ORIENTATION, &orientation) ||
            !TIFFGetField(tif.get(), TIFFTAG_COLORMAP, &red, &green, &blue))
            return {};
        if ((bits != 8 && bits != 16) || samples != 1 || orientation != ORIENTATION_TOPLEFT || TIFFIsTiled(tif.get()) ||
            width == 0 || height == 0 || width > (1u << 20) || height > (1u << 20) ||
            uint64_t(width) * height > (uint64_t(1) << 30) || red[0] != 0 || green[0] != 0 || blue[0] != 0)
            return {};
        cv::Mat page(static_cast<int>(height), static_cast<int>(width), bits == 8 ? CV_8U : CV_16U);
        if (TIFFScanlineSize64(tif.get()) != uint64_t(page.cols) * page.elemSize()) return {};
        for (uint32_t y = 0; y < height; ++y)
            if (TIFFReadScanline(tif.get(), page.ptr(static_cast<int>(y)), y, 0) < 0) return {};
        pages.push_back(page);
    } while (TIFFReadDirectory(tif.get()));
    return pages;
}
}  // namespace

std::vector<cv::Mat> paletteIndices(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    if (!in.read(magic, 4)) return {};
    if (std::memcmp(magic, "\x89PNG", 4) == 0) {
        cv::Mat indices = pngPaletteIndices(path, transparencyOf(path).turned);
        if (indices.empty()) return {};
        return {indices};
    }
    if (std::memcmp(magic, "II*\0", 4) == 0 || std::memcmp(magic, "MM\0*", 4) == 0) return tiffPaletteIndices(path);
    return {};
}

void readPaletteIndicesAsLabels(const std::string& path, Image& img) {
    if (img.frames.empty()) return;
    std::vector<cv::Mat> indices = paletteIndices(path);
    if (indices.empty()) return;
    // readRaster keeps a multi-page file's pages of its first page's size: the same pages.
    const cv::Size first = indices.front().size();
    indices.erase(std::remove_if(indices.begin(), indices.end(), [first](const cv::Mat& page) { return page.size() != first; }),
                  indices.end());
    if (indices.size() != img.frames.size() || first != img.frames.front().size()) return;
    img.frames = std::move(indices);
    img.meta.photometric = "MONOCHROME2";
    img.meta.bitsAllocated = img.meta.bitsStored = static_cast<int>(img.frames.front().elemSize()) * 8;
    img.meta.transparentPixels = 0;  // an index is its label, transparent or not
    img.meta.readerNotes.push_back("a palette image: its colour indices are read as the labels");
    img.meta.window = defaultWindow(img);
}

}  // namespace msf::io
