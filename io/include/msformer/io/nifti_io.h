#pragma once
// NIfTI-1/2 (.nii, .nii.gz) through nifticlib.
#include <string>
#include <vector>

#include "msformer/io/image.h"
#include "msformer/io/load_cancel.h"

namespace msf::io {

// A 3-D volume as one CV_32F frame per slice k, each turned from its stored
// axes (rows j, columns i) as radiology viewers show it (meta.niftiTurn; as
// stored when the file has no affine), scl_slope/scl_inter applied, the
// sform/qform affine kept. The middle slice is current. 4-D files: only the
// first volume is read.
// `cancelled` is asked between chunks of the voxels read (16 MB; LoadCancelled when it says so), `progress`
// told after each, in slices of the first volume.
Image readNifti(const std::string& path, const CancelCheck& cancelled = {}, const LoadProgress& progress = {});

// A uint8 mask (0/1) on the source's grid: for a NIfTI source the same
// dimensions and affine, the mask (as shown) turned back to the stored axes in
// the current slice and 0 elsewhere; for
// other sources one slice with the pixel spacing and, for DICOM with geometry,
// the affine of the image plane (LPS converted to RAS).
void writeNiftiMask(const std::string& path, const cv::Mat& mask, const Image& source, bool overwrite);
// Several frames' masks in one volume on the source's grid (frames not given
// are 0): a NIfTI source's own grid and affine; for a DICOM series or
// multi-frame image, all its frames from the first frame's position, a series'
// mean slice step apart (sliceSpacing along the normal without per-slice
// positions). Throws IoError for uneven slices (checkNiftiVolume), a frame
// outside the image, a mask of another size or a frame given twice.
void writeNiftiMask(const std::string& path, const std::vector<FrameMask>& masks, const Image& source,
                    bool overwrite);
// Throws the IoError that writing several frames of `source` to `path` would:
// a DICOM series whose slices are not evenly spaced (one lying more than a
// tenth of the spacing off the grid from the first slice to the last).
void checkNiftiVolume(const std::string& path, const Image& source);

// A name the NIfTI writer takes: .nii or .nii.gz.
bool looksLikeNifti(const std::string& path);
// A file the NIfTI reader takes: .nii, .nii.gz, or a header/image pair
// (NIfTI-1 pair or Analyze 7.5) named by its .hdr or its .img (.gz too).
bool isNiftiInput(const std::string& path);
// The voxel file of such a pair: an .img (.img.gz) beside its .hdr (an .img
// alone may be a raw disk image).
bool isPairImageFile(const std::string& path);

}  // namespace msf::io
