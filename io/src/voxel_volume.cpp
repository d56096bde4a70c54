#include "voxel_volume.h"

#include <nifti1.h>

#include <cmath>

#include "msformer/io/io_error.h"
#include "nifti_orientation.h"

namespace msf::io {

void checkVolumeSize(const std::string& path, const std::string& format, size_t nx, size_t ny, size_t nz,
                     double values, size_t valueBytes) {
    if (static_cast<double>(nx) * ny * nz > (1u << 28) || nx > (1u << 20) || ny > (1u << 20))
        throw IoError(path, "volume too large (" + std::to_string(nx) + " x " + std::to_string(ny) + " x " +
                                std::to_string(nz) + ")");
    if (values * valueBytes > 4.0 * (1u << 30))
        throw IoError(path, "the " + format + " holds " + std::to_string(static_cast<long long>(values)) +
                                " values in all (over 4 GiB); only its first volume would be read: extract it first");
}

void setPatientGrid(ImageMetadata& m, const std::array<std::array<double, 3>, 3>& axisRas, size_t spatialAxes,
                    const std::array<double, 3>& originRas) {
    Affine& a = m.niftiAffine;
    a = Affine{};
    for (size_t c = 0; c < spatialAxes && c < 3; ++c)
        for (int r = 0; r < 3; ++r) a[r][c] = axisRas[c][r];
    if (spatialAxes == 2) {  // one slice in 3-D space: k one unit along its normal
        const double n[3] = {a[1][0] * a[2][1] - a[2][0] * a[1][1], a[2][0] * a[0][1] - a[0][0] * a[2][1],
                             a[0][0] * a[1][1] - a[1][0] * a[0][1]};
        const double l = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
        for (int r = 0; r < 3; ++r) a[r][2] = l > 0 ? n[r] / l : 0;
    }
    for (int r = 0; r < 3; ++r) a[r][3] = std::isfinite(originRas[r]) ? originRas[r] : 0.0;
    a[3][3] = 1;
    m.hasNiftiAffine = true;
    m.niftiSformCode = NIFTI_XFORM_SCANNER_ANAT;
    const NiftiOrientation o = niftiOrientation(a);
    m.niftiTurn = o.turn;
    m.niftiAxes = o.axes;
}

void setShownSpacing(ImageMetadata& m, const std::array<double, 3>& voxelMm, bool volume) {
    m.spacingX = m.niftiTurn.transpose ? voxelMm[1] : voxelMm[0];  // along the shown columns
    m.spacingY = m.niftiTurn.transpose ? voxelMm[0] : voxelMm[1];
    m.sliceSpacing = volume ? voxelMm[2] : 0.0;
}

namespace {

// Each stored slice k, its pixel (j, i) the value at index k sk + j sj + i si, turned as it is shown.
template <class Pixel, class ValueAt_>
std::vector<cv::Mat> gatherSlices(const StoredGrid& g, const SliceTurn& turn, int type, ValueAt_ valueAt) {
    std::vector<cv::Mat> frames;
    frames.reserve(g.nz);
    for (size_t k = 0; k < g.nz; ++k) {
        cv::Mat slice(static_cast<int>(g.ny), static_cast<int>(g.nx), type);
        for (size_t j = 0; j < g.ny; ++j) {
            const size_t row = k * g.sk + j * g.sj;
            auto* out = slice.ptr<Pixel>(static_cast<int>(j));
            for (size_t i = 0; i < g.nx; ++i) out[i] = valueAt(row + i * g.si);
        }
        frames.push_back(shownFromStored(slice, turn));
    }
    return frames;
}

}  // namespace

std::vector<cv::Mat> greySlices(const void* values, ValueAt at, const StoredGrid& g, const SliceTurn& turn) {
    return gatherSlices<float>(g, turn, CV_32F, [values, at](size_t v) { return static_cast<float>(at(values, v)); });
}

std::vector<cv::Mat> colourSlices(const uint8_t* values, size_t channelStride, const StoredGrid& g,
                                  const SliceTurn& turn) {
    return gatherSlices<cv::Vec3b>(g, turn, CV_8UC3, [values, channelStride](size_t v) {
        return cv::Vec3b(values[v + 2 * channelStride], values[v + channelStride], values[v]);  // BGR
    });
}

}  // namespace msf::io
