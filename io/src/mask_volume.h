#pragma once
// The voxels and patient grid of a mask file written for an image: what the NIfTI and MetaImage mask writers
// share, each then putting it in its own header.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "msformer/io/image.h"
#include "nifti_orientation.h"

namespace msf::io {

struct MaskVolume {
    int64_t nx = 0, ny = 0, nz = 0;
    std::vector<uint8_t> voxels;        // 0 / 1; i fastest, then j, then k (the source's stored axes)
    Affine voxelToRas{};                // voxel (i, j, k) -> RAS
    std::array<double, 3> voxelSize{};  // along i, j, k
    // The source's own affine and length unit (a NIfTI, NRRD or MetaImage source: meta.niftiXyzUnits); else
    // the affine and sizes are mm, made from a DICOM image's geometry (LPS converted to RAS) or, without one,
    // the pixel spacing alone.
    bool sourceAffine = false;
    bool placed = false;  // the grid lies in patient space (an affine or DICOM geometry), not just sized
};

// A mask volume's grid in ITK's and 3D Slicer's world: LPS, in mm.
struct LpsGrid {
    std::array<std::array<double, 3>, 3> axes{};  // per voxel axis (i, j, k): its step in LPS mm
    std::array<double, 3> origin{};               // the first voxel's centre, LPS mm (0 when not placed)
};
LpsGrid lpsGrid(const MaskVolume& v, const Image& source);

// `masks` of `source` on its grid: for a source with a voxel grid (NIfTI, NRRD, MetaImage) that grid whole,
// each mask turned back to the stored axes in its slice and 0 elsewhere; several frames of another source (a
// DICOM series or multi-frame image) as a volume from the first frame's position, a series' mean slice step
// apart; one frame of it alone as one slice at its own position. IoError naming `path` (checkFrameMasks; a
// series whose slices are unevenly spaced or all at one position, for `format`'s words).
MaskVolume maskVolume(const std::string& path, const std::vector<FrameMask>& masks, const Image& source,
                      const std::string& format);

// maskVolume, then `path` checked (checkWritable): what a mask writer does before it writes.
MaskVolume maskVolumeToWrite(const std::string& path, const std::vector<FrameMask>& masks, const Image& source,
                             const std::string& format, bool overwrite);

// The IoError that maskVolume would throw for several frames of `source` with uneven slices; nothing for a
// source with a voxel grid or without geometry.
void checkMaskVolume(const std::string& path, const Image& source, const std::string& format);

}  // namespace msf::io
