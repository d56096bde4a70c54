#include "palette_indices.h"

#include <png.h>

#include <opencv2/imgcodecs.hpp>

#include <cstdio>
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
}  // namespace

cv::Mat paletteIndices(const std::string& path, bool turned) {
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

void readPaletteIndicesAsLabels(const std::string& path, Image& img) {
    if (img.frames.size() != 1) return;
    cv::Mat indices = paletteIndices(path, transparencyOf(path).turned);
    if (indices.empty() || indices.size() != img.frames.front().size()) return;
    img.frames.front() = indices;
    img.meta.photometric = "MONOCHROME2";
    img.meta.bitsAllocated = img.meta.bitsStored = 8;
    img.meta.transparentPixels = 0;  // an index is its label, transparent or not
    img.meta.readerNotes.push_back("a palette image: its colour indices are read as the labels");
    img.meta.window = defaultWindow(img);
}

}  // namespace msf::io
