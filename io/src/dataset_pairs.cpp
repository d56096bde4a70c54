#include "msformer/io/dataset_pairs.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "file_checks.h"
#include "msformer/io/io_error.h"
#include "msformer/io/nifti_io.h"
#include "msformer/io/metaimage_reader.h"
#include "msformer/io/nrrd_reader.h"

namespace msf::io {

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> listFiles(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw IoError(dir, "not a folder");
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (e.is_regular_file() && !name.empty() && name[0] != '.') files.push_back(e.path());
    }
    // A header/image pair (Analyze, NIfTI-1 pair) is one image: listed by its .hdr.
    const auto pairImage = [](const fs::path& f) { return isPairImageFile(f.string()); };
    files.erase(std::remove_if(files.begin(), files.end(), pairImage), files.end());
    // So is a MetaImage header and its data file of the same name (LUNA16's case.mhd and case.raw or .zraw).
    std::set<fs::path> metaImageHeaders;
    for (const auto& f : files)
        if (lowerCase(f.extension().string()) == ".mhd") metaImageHeaders.insert(fs::path(f).replace_extension());
    const auto metaImageData = [&metaImageHeaders](const fs::path& f) {
        const std::string ext = lowerCase(f.extension().string());
        return (ext == ".raw" || ext == ".zraw") && metaImageHeaders.count(fs::path(f).replace_extension());
    };
    files.erase(std::remove_if(files.begin(), files.end(), metaImageData), files.end());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

const std::vector<std::string>& rasterImageExtensions() {
    static const std::vector<std::string> extensions = {".png", ".jpg",  ".jpeg", ".bmp", ".tif", ".tiff",
                                                        ".webp", ".pgm", ".ppm",  ".pnm", ".pbm"};
    return extensions;
}

std::vector<std::string> imageFilesIn(const std::string& dir, std::vector<std::string>* notImages) {
    const std::vector<std::string>& raster = rasterImageExtensions();
    std::vector<std::string> images;
    for (const auto& f : listFiles(dir)) {
        const std::string name = f.string();
        if (isNiftiInput(name) || isNrrdInput(name) || isMetaImageInput(name) ||
            std::count(raster.begin(), raster.end(), lowerCase(f.extension().string())))
            images.push_back(f.string());
        else if (notImages)
            notImages->push_back(f.string());
    }
    return images;
}

std::string fileStem(const std::string& path) {
    const fs::path p(path);
    const std::string name = p.filename().string();
    // (Slicer's segmentation of case1.nrrd is case1.seg.nrrd: the stem case1 pairs them.)
    for (const std::string e : {".nii.gz", ".hdr.gz", ".img.gz", ".seg.nrrd"}) {  // in any case, as they are read
        if (name.size() > e.size() && hasSuffix(name, e)) return name.substr(0, name.size() - e.size());
    }
    return p.stem().string();
}

std::string maskStem(const std::string& fileName) {
    std::string stem = fileStem(fileName);
    for (const char* suffix : {"segmentation", "lesion", "mask", "seg", "gt", "label"}) {
        for (char sep : {'_', '-'}) {
            const std::string s = std::string(1, sep) + suffix;
            if (stem.size() > s.size() && hasSuffix(stem, s)) return stem.substr(0, stem.size() - s.size());
        }
    }
    return stem;
}

std::vector<ImageMaskPair> pairImagesWithMasks(const std::string& imageDir, const std::string& maskDir,
                                               std::vector<std::string>* problems) {
    std::map<std::string, std::string> masks;
    for (const auto& m : listFiles(maskDir)) {
        const std::string stem = maskStem(m.filename().string());
        if (masks.count(stem) && problems)
            problems->push_back(m.string() + ": a second mask for '" + stem + "' (" + masks[stem] + "); ignored");
        else
            masks[stem] = m.string();
    }
    std::vector<ImageMaskPair> pairs;
    for (const auto& img : listFiles(imageDir)) {
        const std::string stem = fileStem(img.string());
        auto it = masks.find(stem);
        if (it == masks.end()) {
            if (problems) problems->push_back(img.string() + ": no mask named '" + stem + "' in " + maskDir);
            continue;
        }
        pairs.push_back({stem, img.string(), it->second});
        masks.erase(it);
    }
    if (problems)
        for (const auto& [stem, path] : masks) problems->push_back(path + ": no image named '" + stem + "' in " + imageDir);
    return pairs;
}

}  // namespace msf::io
