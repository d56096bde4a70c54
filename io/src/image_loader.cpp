#include "msformer/io/image_loader.h"

#include <opencv2/imgproc.hpp>

#include <filesystem>

#include "msformer/io/dicom_reader.h"
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

cv::Mat loadMask(const std::string& path, int frame) {
    LoadOptions o;
    o.frame = frame;
    const Image img = loadImage(path, o);
    cv::Mat grey = img.pixels();
    if (grey.channels() > 1) cv::cvtColor(grey, grey, cv::COLOR_BGR2GRAY);
    return grey > 0;
}

}  // namespace msf::io
