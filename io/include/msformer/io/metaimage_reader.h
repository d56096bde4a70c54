#pragma once
// MetaImage (.mha, and .mhd with its data file): ITK's format, used by many challenge data sets (LUNA16's
// chest CT, PROMISE12, SLIVER07), read through ITK's MetaIO library.
#include <string>

#include "msformer/io/image.h"
#include "msformer/io/load_cancel.h"

namespace msf::io {

// A 2-D to 4-D image as one frame per slice along its third axis, read as a NIfTI or NRRD volume is: the
// TransformMatrix, Offset and ElementSpacing (ITK's LPS world, as ITK reads them; AnatomicalOrientation is
// informative only, as in ITK) become a voxel -> RAS affine, each slice is turned as radiology viewers show it,
// and a mask exported as NIfTI lies on the same grid. One data file (.mha or .mhd's, raw or zlib-compressed),
// a LIST of files or a numbered file pattern; either byte order. 8-bit 3- or 4-channel voxels are read as
// colour; of other channels and of a 4th axis the first is read, and said. ElementToIntensityFunction
// slope and offset are applied. The middle slice is current. Throws IoError naming the file and the problem.
// `cancelled` is asked between 16 MB of its data read (64 kB compressed): LoadCancelled when it says so.
Image readMetaImage(const std::string& path, const CancelCheck& cancelled = {});

// A name the MetaImage reader takes: .mha or .mhd (any case).
bool isMetaImageInput(const std::string& path);

}  // namespace msf::io
