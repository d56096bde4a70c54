#include "mask_volume.h"

#include <cmath>
#include <sstream>

#include "msformer/io/atomic_write.h"
#include "msformer/io/io_error.h"
#include "nifti_orientation.h"

namespace msf::io {

namespace {
// The step from one slice of a DICOM volume to the next (LPS, mm): from a series' own slice positions the mean
// step from the first to the last (files round positions, so neighbours' distances jitter; a gantry tilt
// shears), every slice required to lie on that grid; else sliceSpacing along the normal.
std::array<double, 3> volumeSliceStep(const std::string& path, const Image& source, const std::string& format) {
    const auto& m = source.meta;
    const auto n = sliceNormal(m.imageOrientation);
    const double dz = m.sliceSpacing > 0 ? m.sliceSpacing : 1.0;
    const auto& positions = m.framePositions;
    if (source.frameCount() < 2 || positions.size() != size_t(source.frameCount())) return {n[0] * dz, n[1] * dz, n[2] * dz};
    const size_t last = positions.size() - 1;
    std::array<double, 3> step;
    for (int r = 0; r < 3; ++r) step[r] = (positions[last][r] - positions[0][r]) / double(last);
    const double length = std::sqrt(step[0] * step[0] + step[1] * step[1] + step[2] * step[2]);
    if (length < 1e-3)  // a time series or repeated scan of one slice stored as a series
        throw IoError(path, "the series' " + std::to_string(last + 1) + " slices all lie at one position (images of "
                            "one slice over time or repeated, not a volume), so one " + format + " volume cannot "
                            "place them; write a DICOM SEG, or one slice per file");
    for (size_t k = 0; k <= last; ++k) {
        double off = 0;
        for (int r = 0; r < 3; ++r) off += std::pow(positions[k][r] - positions[0][r] - double(k) * step[r], 2);
        if (std::sqrt(off) > 0.1 * length) {
            std::ostringstream why;
            why.precision(3);
            why << "the series' slices are not evenly spaced (slice " << k << " lies " << std::sqrt(off)
                << " mm from where a " << length << " mm spacing puts it), so one " << format << " volume would "
                << "misplace them; write a DICOM SEG, or one slice per file";
            throw IoError(path, why.str());
        }
    }
    return step;
}
}  // namespace

void checkMaskVolume(const std::string& path, const Image& source, const std::string& format) {
    if ((isVoxelVolume(source.meta) || source.meta.hasNiftiAffine) || !source.meta.hasGeometry) return;
    volumeSliceStep(path, source, format);
}

MaskVolume maskVolume(const std::string& path, const std::vector<FrameMask>& masks, const Image& source,
                      const std::string& format) {
    checkFrameMasks(path, masks, source);
    const auto& m = source.meta;
    // A source with a voxel grid gets a mask volume on its grid, with or without an affine; so do several
    // frames of any other source (a slice alone keeps a one-slice file at its own position).
    const bool ownGrid = (isVoxelVolume(m) || m.hasNiftiAffine) && m.volumeDims[2] == source.frameCount();
    const bool volume = ownGrid || masks.size() > 1;
    const cv::Size stored = storedFromShown(masks.front().mask > 0, m.niftiTurn).size();  // the file's (i, j) grid
    MaskVolume v;
    v.nx = stored.width;
    v.ny = stored.height;
    v.nz = volume ? source.frameCount() : 1;
    v.voxels.assign(size_t(v.nx * v.ny * v.nz), 0);
    for (const auto& fm : masks) {
        const cv::Mat binary = storedFromShown(fm.mask > 0, m.niftiTurn);
        const int64_t k = volume ? fm.frame : 0;
        for (int64_t j = 0; j < v.ny; ++j)
            for (int64_t i = 0; i < v.nx; ++i)
                v.voxels[size_t((k * v.ny + j) * v.nx + i)] = binary.at<uchar>(int(j), int(i)) ? 1 : 0;
    }
    v.sourceAffine = m.hasNiftiAffine;
    if (m.hasNiftiAffine) {  // the source's grid and unit: its affine as it is, the voxel sizes back in its unit
        v.voxelToRas = m.niftiAffine;
        v.placed = true;
        const double toMm = millimetresPerUnit(m.niftiXyzUnits);
        v.voxelSize = {(m.niftiTurn.transpose ? m.spacingY : m.spacingX) / toMm,
                       (m.niftiTurn.transpose ? m.spacingX : m.spacingY) / toMm, m.sliceSpacing / toMm};
        return v;
    }
    const double dx = m.spacingX > 0 ? m.spacingX : 1.0, dy = m.spacingY > 0 ? m.spacingY : 1.0;
    double dz = m.sliceSpacing > 0 ? m.sliceSpacing : 1.0;
    const auto& o = m.imageOrientation;
    const bool geo = m.hasGeometry;
    // DICOM: x = P + i dx row + j dy col + k step (LPS), P the position of the slice written (of the first
    // frame for a volume), step dz along the normal; RAS negates the first two axes.
    const auto p = framePosition(source, volume ? 0 : masks.front().frame);
    const auto n = sliceNormal(m.imageOrientation);
    const double row[3] = {geo ? o[0] : 1, geo ? o[1] : 0, geo ? o[2] : 0};
    const double col[3] = {geo ? o[3] : 0, geo ? o[4] : 1, geo ? o[5] : 0};
    std::array<double, 3> step = {geo ? n[0] * dz : 0, geo ? n[1] * dz : 0, geo ? dz * n[2] : dz};
    if (volume && geo) {
        step = volumeSliceStep(path, source, format);
        dz = std::sqrt(step[0] * step[0] + step[1] * step[1] + step[2] * step[2]);
    }
    const double sign[3] = {geo ? -1.0 : 1.0, geo ? -1.0 : 1.0, 1.0};
    for (int r = 0; r < 3; ++r) {
        v.voxelToRas[r][0] = sign[r] * row[r] * dx;
        v.voxelToRas[r][1] = sign[r] * col[r] * dy;
        v.voxelToRas[r][2] = sign[r] * step[r];
        v.voxelToRas[r][3] = geo ? sign[r] * p[r] : 0.0;
    }
    v.voxelToRas[3][3] = 1;
    v.voxelSize = {dx, dy, dz};
    v.placed = geo;
    return v;
}

MaskVolume maskVolumeToWrite(const std::string& path, const std::vector<FrameMask>& masks, const Image& source,
                             const std::string& format, bool overwrite) {
    MaskVolume v = maskVolume(path, masks, source, format);
    checkWritable(path, overwrite);
    return v;
}

LpsGrid lpsGrid(const MaskVolume& v, const Image& source) {
    // Each voxel axis's RAS vector, in the source's unit when it has its own affine, turned and scaled.
    const double toMm = v.sourceAffine ? millimetresPerUnit(source.meta.niftiXyzUnits) : 1.0;
    constexpr std::array<double, 3> rasToLps = {-1, -1, 1};
    LpsGrid g;
    for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) g.axes[c][r] = rasToLps[r] * v.voxelToRas[r][c] * toMm;
        g.origin[r] = v.placed ? rasToLps[r] * v.voxelToRas[r][3] * toMm : 0.0;
    }
    return g;
}

}  // namespace msf::io
