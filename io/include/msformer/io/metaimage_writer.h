#pragma once
// Masks as MetaImage (.mha): ITK's format, what Grand Challenge's algorithms take and return, written through
// ITK's MetaIO library.
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "msformer/io/image.h"

namespace msf::io {

// A uint8 mask (0/1) in one .mha file (header and zlib-compressed data), on the grid writeNiftiMask puts it
// on: a NIfTI, NRRD or MetaImage source's own voxel grid, the mask in the current slice and 0 elsewhere; one
// slice of another source at its position (DICOM geometry) or with its pixel spacing. ITK's LPS world: the
// TransformMatrix's rows are the voxel axes' directions, Offset the first voxel's centre, ElementSpacing in
// mm, AnatomicalOrientation the letters the axes come from (as ITK writes them). Written atomically; IoError
// naming `path` for another extension (a .mhd would need a second data file), an existing file without
// `overwrite`, or what writeNiftiMask refuses.
void writeMetaImageMask(const std::string& path, const cv::Mat& mask, const Image& source, bool overwrite);
// Several frames' masks in one volume, as writeNiftiMask places them.
void writeMetaImageMask(const std::string& path, const std::vector<FrameMask>& masks, const Image& source,
                        bool overwrite);
// The IoError writing several frames of `source` to `path` would throw (a series with uneven slices).
void checkMetaImageVolume(const std::string& path, const Image& source);

// A name the MetaImage mask writer takes: .mha (any case).
bool looksLikeMetaImageMask(const std::string& path);

}  // namespace msf::io
