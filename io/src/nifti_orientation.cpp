#include "nifti_orientation.h"

#include <nifti2_io.h>

#include <utility>

namespace msf::io {

NiftiOrientation niftiOrientation(const Affine& voxelToRas) {
    nifti_dmat44 affine{};
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c) affine.m[r][c] = voxelToRas[r][c];
    int code[3] = {0, 0, 0};  // NIFTI_L2R .. NIFTI_S2I for i, j, k
    nifti_dmat44_to_orientation(affine, &code[0], &code[1], &code[2]);
    NiftiOrientation o;
    for (int c : code)
        if (c < NIFTI_L2R || c > NIFTI_S2I) return o;  // a degenerate affine: shown as stored
    const auto axis = [](int c) { return (c - 1) / 2; };  // 0 left-right, 1 posterior-anterior, 2 inferior-superior
    int wantColumns = NIFTI_R2L, wantRows = NIFTI_A2P;     // axial
    if (axis(code[2]) == 1) {                              // coronal
        wantRows = NIFTI_S2I;
    } else if (axis(code[2]) == 0) {                       // sagittal
        wantColumns = NIFTI_A2P;
        wantRows = NIFTI_S2I;
    }
    int columns = code[0], rows = code[1];
    if (axis(columns) == axis(wantRows)) {
        o.turn.transpose = true;
        std::swap(columns, rows);
    }
    o.turn.mirrorColumns = columns != wantColumns;
    o.turn.mirrorRows = rows != wantRows;
    o.axes = std::string("i ") + nifti_orientation_string(code[0]) + ", j " + nifti_orientation_string(code[1]) +
             ", k " + nifti_orientation_string(code[2]);
    return o;
}

double millimetresPerUnit(int xyzUnits) {
    if (xyzUnits == NIFTI_UNITS_METER) return 1000.0;
    if (xyzUnits == NIFTI_UNITS_MICRON) return 0.001;
    return 1.0;
}

}  // namespace msf::io
