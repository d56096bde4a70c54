#pragma once
// What the NRRD and MetaImage readers share with each other (and with the NIfTI reader's conventions): a
// patient-space grid as the voxel -> RAS affine and slice turn, the shown pixel sizes, the values of a volume
// gathered into its shown slices, and the bounds on its size.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "msformer/io/image.h"

namespace msf::io {

// Refused before anything is allocated (IoError naming the file): more than 2^28 voxels in the slices read, or a
// side over 2^20, or more than 4 GiB of values in the whole file (`format`: "NRRD", "MetaImage").
void checkVolumeSize(const std::string& path, const std::string& format, size_t nx, size_t ny, size_t nz,
                     double values, size_t valueBytes);

// Voxel axes i, j (and k) as RAS vectors, each as long as a voxel along it in the file's unit, and the first
// voxel's centre: sets the affine (sform "scanner"), the slice turn and the axis letters. With 2 spatial axes
// the third is one unit along the slice's normal.
void setPatientGrid(ImageMetadata& m, const std::array<std::array<double, 3>, 3>& axisRas, size_t spatialAxes,
                    const std::array<double, 3>& originRas);

// The shown columns' and rows' pixel sizes and the slice spacing (0 for one slice) from the voxel sizes along
// i, j, k in mm, the turn already set.
void setShownSpacing(ImageMetadata& m, const std::array<double, 3>& voxelMm, bool volume);

// Where voxel (i, j, k) of a stored volume is: index i * si + j * sj + k * sk of its values.
struct StoredGrid {
    size_t nx = 0, ny = 0, nz = 1;
    size_t si = 1, sj = 0, sk = 0;
};
using ValueAt = double (*)(const void* values, size_t index);

// Each stored slice k (rows j, columns i) as CV_32F, turned as it is shown.
std::vector<cv::Mat> greySlices(const void* values, ValueAt at, const StoredGrid& g, const SliceTurn& turn);
// The same of 8-bit colour: red at a voxel's index, green and blue `channelStride` and twice that further; BGR.
std::vector<cv::Mat> colourSlices(const uint8_t* values, size_t channelStride, const StoredGrid& g,
                                  const SliceTurn& turn);

}  // namespace msf::io
