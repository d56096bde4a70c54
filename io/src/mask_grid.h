#pragma once
// A mask volume on a box of its image's voxel grid, put on the whole grid.
#include <string>

#include "msformer/io/image.h"
#include "msformer/io/image_loader.h"

namespace msf::io {

// When `mask` (read from `path`) is a NIfTI or NRRD volume with an affine, and `which` describes an image of
// that kind whose voxel grid has other dimensions: where the mask's voxels are its image's (the same axes and
// voxel size, an offset of whole voxels, inside the image: 3D Slicer saves a segmentation cropped to its segments' extent), its
// frames become the image's grid, 0 outside the box, as the image's own voxels are numbered; otherwise an
// IoError says the grids differ. Anything else is left as it is (a mask of the same dimensions lies on its
// image's grid whatever its header says).
void placeOnImageGrid(const std::string& path, Image* mask, const MaskFrame& which);

}  // namespace msf::io
