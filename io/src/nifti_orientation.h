#pragma once
// How a volume with a NIfTI-style voxel -> RAS affine is shown: shared by the NIfTI and NRRD readers.
#include <array>
#include <string>

#include "msformer/io/image.h"

namespace msf::io {

struct NiftiOrientation {
    SliceTurn turn;
    std::string axes;  // "i Right-to-Left, j ..., k ..."; empty for a degenerate affine (shown as stored)
};

using Affine = std::array<std::array<double, 4>, 4>;

// The slices (along k) as DICOM and radiology viewers show them: axial with the patient's left on the right
// and posterior at the bottom, coronal with left on the right and inferior at the bottom, sagittal with
// posterior on the right and inferior at the bottom; from the patient direction each voxel axis points to
// most closely.
NiftiOrientation niftiOrientation(const Affine& voxelToRas);

// NIfTI xyz_units to mm: metres and microns converted, mm and "unknown" (read as mm, as tools do) kept.
double millimetresPerUnit(int xyzUnits);

}  // namespace msf::io
