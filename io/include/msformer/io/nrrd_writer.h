#pragma once
// Masks as NRRD (.nrrd, Slicer's .seg.nrrd): 3D Slicer's format, written through Teem.
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "msformer/io/image.h"

namespace msf::io {

// A uint8 mask (0/1) in one .nrrd file (header and gzip data), on the grid writeNiftiMask puts it on: a NIfTI,
// NRRD or MetaImage source's own voxel grid, the mask in the current slice and 0 elsewhere; one slice of
// another source at its position (DICOM geometry) or with its pixel spacing. Slicer's world: space
// left-posterior-superior, each axis's space direction its voxel step in mm, space origin the first voxel's
// centre; without a place in patient space (a photo) only the axes' spacings. The header carries 3D Slicer's
// segmentation fields for one segment (label value 1, named `segmentName`, its extent), so Slicer opens a
// .seg.nrrd as a Segmentation and any reader of NRRD reads it as a label map. Written atomically; IoError
// naming `path` for another extension (a .nhdr would need a data file beside it), an existing file without
// `overwrite`, or what writeNiftiMask refuses.
void writeNrrdMask(const std::string& path, const cv::Mat& mask, const Image& source, bool overwrite,
                   const std::string& segmentName = "target");
// Several frames' masks in one volume, as writeNiftiMask places them.
void writeNrrdMask(const std::string& path, const std::vector<FrameMask>& masks, const Image& source, bool overwrite,
                   const std::string& segmentName = "target");
// The IoError writing several frames of `source` to `path` would throw (a series with uneven slices).
void checkNrrdVolume(const std::string& path, const Image& source);

// A name the NRRD mask writer takes: .nrrd (any case; .seg.nrrd too).
bool looksLikeNrrdMask(const std::string& path);

}  // namespace msf::io
