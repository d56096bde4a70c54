#pragma once
// NIfTI-1/2 (.nii, .nii.gz) through nifticlib.
#include <string>

#include "msformer/io/image.h"

namespace msf::io {

// A 3-D volume as one CV_32F frame per slice k, each turned from its stored
// axes (rows j, columns i) as radiology viewers show it (meta.niftiTurn; as
// stored when the file has no affine), scl_slope/scl_inter applied, the
// sform/qform affine kept. The middle slice is current. 4-D files: only the
// first volume is read.
Image readNifti(const std::string& path);

// A uint8 mask (0/1) on the source's grid: for a NIfTI source the same
// dimensions and affine, the mask (as shown) turned back to the stored axes in
// the current slice and 0 elsewhere; for
// other sources one slice with the pixel spacing and, for DICOM with geometry,
// the affine of the image plane (LPS converted to RAS).
void writeNiftiMask(const std::string& path, const cv::Mat& mask, const Image& source, bool overwrite);

// A name the NIfTI writer takes: .nii or .nii.gz.
bool looksLikeNifti(const std::string& path);
// A file the NIfTI reader takes: .nii, .nii.gz, or a header/image pair
// (NIfTI-1 pair or Analyze 7.5) named by its .hdr or its .img (.gz too).
bool isNiftiInput(const std::string& path);
// The voxel file of such a pair: an .img (.img.gz) beside its .hdr (an .img
// alone may be a raw disk image).
bool isPairImageFile(const std::string& path);

}  // namespace msf::io
