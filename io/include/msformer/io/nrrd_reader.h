#pragma once
// NRRD (.nrrd, and .nhdr with its detached data file): 3D Slicer's volume and label map format, through Teem.
#include <string>

#include "msformer/io/image.h"
#include "msformer/io/load_cancel.h"

namespace msf::io {

// A 2-D or 3-D image as one frame per slice along its third spatial axis, read as a NIfTI volume is: each
// slice turned from its stored axes (rows j, columns i) as radiology viewers show it, the space directions
// and origin kept as a voxel -> RAS affine (an LPS or LAS file's converted), so a mask exported as NIfTI
// lies on the same grid. Any number of attached or detached data files, raw, text, gzip or bzip2 encoded,
// either byte order. A colour axis (RGB, RGBA) of 8-bit values is read as colour; of other non-spatial
// axes (time, a list of channels or segmentation layers) only the first volume is read, and said. The
// middle slice is current. Throws IoError naming the file and the problem.
// `cancelled` is asked between 16 MB of raw data read and 64 kB of gzip data inflated (LoadCancelled when it
// says so); Teem reads the other encodings (text, hex, bzip2, data over several files) whole.
Image readNrrd(const std::string& path, const CancelCheck& cancelled = {});

// A name the NRRD reader takes: .nrrd or .nhdr (any case; Slicer's .seg.nrrd too).
bool isNrrdInput(const std::string& path);

}  // namespace msf::io
