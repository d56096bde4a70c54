#pragma once
// Pairing a folder of images with a folder of masks by file stem.
#include <string>
#include <vector>

namespace msf::io {

struct ImageMaskPair {
    std::string stem;
    std::string image;
    std::string mask;
};

// `a.dcm` pairs with `a.png`, `a_mask.png`, `a_lesion.png`, `a_segmentation.png`
// (also `_seg`, `_gt`, `_label`, and '-' instead of '_'). Images without a mask
// and masks without an image are reported in `problems`, one line each.
std::vector<ImageMaskPair> pairImagesWithMasks(const std::string& imageDir, const std::string& maskDir,
                                               std::vector<std::string>* problems);

// The raster image extensions the loader reads, lower case with the dot: ".png", ".jpg", ... (PNG, JPEG, BMP,
// TIFF, WebP, PNM).
const std::vector<std::string>& rasterImageExtensions();

// The image files directly in `dir` (not its sub-folders), sorted by name:
// PNG, JPEG, BMP, TIFF, WebP, PNM (extension in any case), NIfTI and Analyze/NIfTI-1
// pairs (listed by the .hdr), by name as the loader tells them apart. Other
// files are listed in `notImages`. The folder of a batch of photos or volumes;
// a DICOM series folder is one image instead.
std::vector<std::string> imageFilesIn(const std::string& dir, std::vector<std::string>* notImages);

// A file's name without its extension, `.nii.gz` counted as one: the stem that
// pairs images with masks and that output files are named after.
std::string fileStem(const std::string& path);

// Stem of a mask file name with a known mask suffix removed.
std::string maskStem(const std::string& fileName);

}  // namespace msf::io
