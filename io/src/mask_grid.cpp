#include "mask_grid.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "msformer/io/io_error.h"
#include "nifti_orientation.h"

namespace msf::io {

namespace {

cv::Matx44d inMillimetres(const std::array<std::array<double, 4>, 4>& affine, int xyzUnits) {
    const double toMm = millimetresPerUnit(xyzUnits);
    cv::Matx44d a;
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c) a(r, c) = affine[r][c] * (r < 3 ? toMm : 1.0);
    return a;
}

std::string dims(const std::array<int, 3>& d) {
    return std::to_string(d[0]) + " x " + std::to_string(d[1]) + " x " + std::to_string(d[2]);
}

}  // namespace

void placeOnImageGrid(const std::string& path, Image* mask, const MaskFrame& which) {
    const auto& m = mask->meta;
    if (!which.imageHasAffine || !isVoxelVolume(m) || !m.hasNiftiAffine || m.volumeDims == which.imageDims) return;
    // The mask's voxel (i, j, k) in the image's voxels: the identity plus an offset where the grids agree.
    const cv::Matx44d toImage =
        inMillimetres(which.imageAffine, which.imageXyzUnits).inv() * inMillimetres(m.niftiAffine, m.niftiXyzUnits);
    bool aligned = true;
    int offset[3];
    for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) aligned = aligned && std::abs(toImage(r, c) - (r == c ? 1.0 : 0.0)) < 1e-3;
        offset[r] = static_cast<int>(std::lround(toImage(r, 3)));
        aligned = aligned && std::abs(toImage(r, 3) - offset[r]) < 1e-2;
    }
    for (int r = 0; r < 3; ++r)  // the box inside the image: a mask reaching past it is another image's
        aligned = aligned && offset[r] >= 0 && offset[r] + m.volumeDims[r] <= which.imageDims[r];
    if (!aligned) {
        std::ostringstream why;
        why << "the mask's voxel grid (" << dims(m.volumeDims) << ") is not its image's (" << dims(which.imageDims)
            << ") nor a box inside it (other axes or voxel sizes, an offset of part of a voxel, or voxels outside "
               "the image): it is another image's mask, or must be resampled onto this image first";
        throw IoError(path, why.str());
    }
    std::vector<cv::Mat> frames;
    for (int k = 0; k < which.imageDims[2]; ++k) {
        cv::Mat stored = cv::Mat::zeros(which.imageDims[1], which.imageDims[0], mask->frames.front().type());
        const int source = k - offset[2];
        if (source >= 0 && source < mask->frameCount()) {
            const cv::Mat slice = storedFromShown(mask->frames[source], m.niftiTurn);  // rows j, columns i
            slice.copyTo(stored(cv::Rect(offset[0], offset[1], slice.cols, slice.rows)));
        }
        frames.push_back(shownFromStored(stored, m.niftiTurn));
    }
    mask->frames = std::move(frames);
    mask->meta.volumeDims = which.imageDims;
    mask->current = std::min(mask->current, mask->frameCount() - 1);
}

}  // namespace msf::io
