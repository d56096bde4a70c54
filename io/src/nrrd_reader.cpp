#include "msformer/io/nrrd_reader.h"

#include <nifti1.h>
#include <teem/nrrd.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <vector>

#include "msformer/io/io_error.h"
#include "chunked_read.h"
#include "inflate_data.h"
#include "nifti_orientation.h"
#include "file_checks.h"
#include "teem_support.h"
#include "voxel_volume.h"

namespace msf::io {


namespace {

struct NrrdDeleter {
    void operator()(Nrrd* n) const { nrrdNuke(n); }
};
struct IoStateDeleter {
    void operator()(NrrdIoState* s) const {
        if (s->dataFile && s->dataFile != stdin) std::fclose(s->dataFile);  // kept open by a header read
        s->dataFile = nullptr;
        nrrdIoStateNix(s);
    }
};
using NrrdPtr = std::unique_ptr<Nrrd, NrrdDeleter>;
using IoStatePtr = std::unique_ptr<NrrdIoState, IoStateDeleter>;

// Teem reads other formats by their content (PNG, PNM, VTK, plain text numbers): a .nrrd that is not one
// must not be read as such a table.
void requireMagic(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    char magic[8] = {};
    file.read(magic, sizeof magic);
    if (file.gcount() < 8 || std::string(magic, 7) != "NRRD000" || !std::isdigit(static_cast<unsigned char>(magic[7])))
        throw IoError(path, "not a NRRD file (it does not start with \"NRRD000\" and a version digit)");
}

struct Loaded {
    NrrdPtr nrrd;
    IoStatePtr io;  // how it was read: encoding, byte order, data files
};

// The header; where it names one data file (attached or not), that file is kept open where its data starts.
Loaded loadHeader(const std::string& path) {
    Loaded h{NrrdPtr(nrrdNew()), IoStatePtr(nrrdIoStateNew())};
    h.io->skipData = 1;
    h.io->keepNrrdDataFileOpen = 1;
    if (nrrdLoad(h.nrrd.get(), path.c_str(), h.io.get()) != 0) {
        h.io->dataFile = nullptr;  // Teem may have closed it already, the pointer left behind (a double free, fuzzed)
        throw IoError(path, "not a readable NRRD header: " + teemProblem());
    }
    return h;
}

std::string fileTypeOf(const NrrdIoState* io) {
    if (!io->encoding) return "NRRD";
    std::string type = std::string("NRRD, ") + io->encoding->name + " encoding";
    if (io->dataFNArr && io->dataFNArr->len > 0)
        type += io->dataFNArr->len > 1 ? ", " + std::to_string(io->dataFNArr->len) + " detached data files"
                                       : std::string(", detached data file");
    return type;
}

// +1 or -1 per coordinate: a space's (x, y, z) to RAS; all 0 for a space without a patient's directions.
std::array<double, 3> toRas(int space) {
    switch (space) {
        case nrrdSpaceRightAnteriorSuperior:
        case nrrdSpaceRightAnteriorSuperiorTime: return {1, 1, 1};
        case nrrdSpaceLeftAnteriorSuperior:
        case nrrdSpaceLeftAnteriorSuperiorTime: return {-1, 1, 1};
        case nrrdSpaceLeftPosteriorSuperior:
        case nrrdSpaceLeftPosteriorSuperiorTime:
        case nrrdSpaceScannerXYZ:  // the pre-DICOM scanner axes, which are DICOM's LPS for a supine patient
        case nrrdSpaceScannerXYZTime: return {-1, -1, 1};
        default: return {0, 0, 0};
    }
}

bool isColourKind(int kind) {
    return kind == nrrdKindRGBColor || kind == nrrdKindRGBAColor || kind == nrrdKind3Color || kind == nrrdKind4Color;
}

// The axes of the file: which are the image's i, j (and k), which holds colour, which others are left at 0.
struct Axes {
    std::vector<unsigned> spatial;   // 2 or 3: i (columns), j (rows), k (slices)
    int colour = -1;                 // an axis of 3 or 4 8-bit colour components, or -1
    std::vector<unsigned> others;    // time, lists of channels or layers: their first index is read
};

Axes axesOf(const std::string& path, const Nrrd* n) {
    Axes a;
    unsigned idx[NRRD_DIM_MAX];
    std::vector<unsigned> candidates;
    if (n->spaceDim > 0) {
        const unsigned count = nrrdSpatialAxesGet(n, idx);
        for (unsigned c = 0; c < count; ++c)  // a "-time" space gives its time axis a direction too: not spatial
            if (n->axis[idx[c]].kind != nrrdKindTime) candidates.push_back(idx[c]);
    } else {  // no space: the domain axes (kind domain, space or none given) in order, a time axis left out
        for (unsigned ax = 0; ax < n->dim; ++ax) {
            const int kind = n->axis[ax].kind;
            if ((kind == nrrdKindUnknown || nrrdKindIsDomain(kind)) && kind != nrrdKindTime) candidates.push_back(ax);
        }
    }
    if (candidates.size() < 2)
        throw IoError(path, "the NRRD has " + std::to_string(candidates.size()) +
                                " spatial axes; an image needs 2 or 3 (the others are lists, colours or time)");
    if (candidates.size() > 3 && n->spaceDim > 0)
        throw IoError(path, "the NRRD has " + std::to_string(candidates.size()) + " spatial axes; at most 3 are read");
    a.spatial.assign(candidates.begin(), candidates.begin() + std::min<size_t>(3, candidates.size()));
    for (unsigned ax = 0; ax < n->dim; ++ax) {
        if (std::count(a.spatial.begin(), a.spatial.end(), ax)) continue;
        const size_t size = n->axis[ax].size;
        if (a.colour < 0 && isColourKind(n->axis[ax].kind) && n->type == nrrdTypeUChar && (size == 3 || size == 4))
            a.colour = static_cast<int>(ax);
        else
            a.others.push_back(ax);
    }
    return a;
}

// A space's unit ("mm", "m", "um") as NIfTI xyz_units; an unknown one is read as mm, and said.
int unitsOf(const Nrrd* n, std::vector<std::string>* notes) {
    std::string unit;
    for (unsigned d = 0; d < n->spaceDim && d < 3; ++d)
        if (n->spaceUnits[d] && *n->spaceUnits[d]) {
            unit = n->spaceUnits[d];
            break;
        }
    if (unit.empty() || unit == "mm" || unit == "millimeter" || unit == "millimeters") return NIFTI_UNITS_MM;
    if (unit == "m" || unit == "meter" || unit == "meters") {
        notes->push_back("its space units are metres: read in mm, x 1000");
        return NIFTI_UNITS_METER;
    }
    if (unit == "um" || unit == "micron" || unit == "microns" || unit == "\xC2\xB5m") {
        notes->push_back("its space units are microns: read in mm, x 0.001");
        return NIFTI_UNITS_MICRON;
    }
    notes->push_back("its space units \"" + unit + "\" are not a length this reader knows: read as mm");
    return NIFTI_UNITS_MM;
}

double length(const double* v, unsigned dims) {
    double s = 0;
    for (unsigned d = 0; d < dims; ++d) s += v[d] * v[d];
    return std::sqrt(s);
}

// A header's "key:=value" field, or empty.
std::string keyValue(const Nrrd* n, const std::string& key) {
    char* v = nrrdKeyValueGet(n, key.c_str());
    std::string value = v ? v : "";
    free(v);
    return value;
}

// 3D Slicer's segmentation (.seg.nrrd): its fields name each segment, its label value and layer.
bool isSlicerSegmentation(const Nrrd* n) {
    for (const char* key : {"Segmentation_MasterRepresentation", "Segmentation_SourceRepresentation",
                            "Segmentation_ContainedRepresentationNames", "Segment0_ID"})
        if (!keyValue(n, key).empty()) return true;
    return false;
}

// "its segments: 1 tumour, 2 liver": what --label picks (layer 0's, the only one read).
std::string slicerSegmentsNote(const Nrrd* n) {
    std::string list;
    for (int s = 0; s < 1000; ++s) {
        const std::string prefix = "Segment" + std::to_string(s) + "_";
        const std::string name = keyValue(n, prefix + "Name"), id = keyValue(n, prefix + "ID");
        if (name.empty() && id.empty()) break;
        const std::string value = keyValue(n, prefix + "LabelValue");
        list += (list.empty() ? "" : ", ") + (value.empty() ? std::string("?") : value) + " " + (name.empty() ? id : name);
    }
    return list.empty() ? std::string() : "a 3D Slicer segmentation; its segments (label value, name): " + list;
}

std::string kindName(int kind) {
    const char* name = airEnumStr(nrrdKind, kind);
    return name && *name && std::string(name) != "(unknown_kind)" ? name : "of unknown kind";
}

}  // namespace

bool isNrrdInput(const std::string& path) {
    return hasSuffix(path, ".nrrd") || hasSuffix(path, ".nhdr");
}

Image readNrrd(const std::string& path, const CancelCheck& cancelled) {
    requireNonEmptyFile(path, "a NRRD file");
    requireMagic(path);
    const std::lock_guard<std::mutex> lock(teemMutex());
    nrrdStateVerboseIO = 0;
    // The header first, so that a header claiming a huge volume is refused before its data is allocated.
    Loaded h = loadHeader(path);
    const Nrrd* header = h.nrrd.get();
    if (header->type == nrrdTypeBlock) throw IoError(path, "NRRD \"block\" values (opaque records) are not an image");
    const Axes axes = axesOf(path, header);
    if (isSlicerSegmentation(header))
        for (unsigned ax : axes.others)
            if (header->axis[ax].size > 1)  // one layer holds only some segments: a partial mask, silently
                throw IoError(path, "a 3D Slicer segmentation whose segments overlap, stored as " +
                                        std::to_string(header->axis[ax].size) + " layers, each holding some of the "
                                        "segments; export it from Slicer as one label map (Segmentations module: Export "
                                        "to files, or to a labelmap volume) first");
    const size_t nx = header->axis[axes.spatial[0]].size, ny = header->axis[axes.spatial[1]].size,
                 nz = axes.spatial.size() > 2 ? header->axis[axes.spatial[2]].size : 1;
    double elements = 1;
    for (unsigned ax = 0; ax < header->dim; ++ax) elements *= static_cast<double>(header->axis[ax].size);
    checkVolumeSize(path, "NRRD", nx, ny, nz, elements, nrrdTypeSize[header->type]);

    Image img;
    auto& m = img.meta;
    m.niftiFileType = fileTypeOf(h.io.get());
    NrrdPtr n;
    // Raw and gzip data in one file, where the header puts it, are read here (in chunks, asking `cancelled`).
    const bool gzip = h.io->encoding == nrrdEncodingGzip, raw = h.io->encoding == nrrdEncodingRaw;
    if ((gzip || raw) && h.io->dataFile && h.io->byteSkip == 0 && h.io->lineSkip == 0 &&
        (!h.io->dataFNArr || h.io->dataFNArr->len <= 1)) {
        const size_t bytes = static_cast<size_t>(elements) * nrrdTypeSize[header->type];
        h.nrrd->data = std::malloc(std::max<size_t>(1, bytes));  // the Nrrd's own: nrrdNuke frees it
        if (!h.nrrd->data) throw IoError(path, "not enough memory for its " + std::to_string(bytes) + " bytes");
        if (gzip) {
            inflateData(path, h.io->dataFile, h.nrrd->data, bytes, Compression::Gzip, "its header says gzip encoding",
                        cancelled);
        } else {
            std::FILE* data = h.io->dataFile;
            const size_t got = readInChunks(path, static_cast<unsigned char*>(h.nrrd->data), bytes, cancelled,
                                            [data](unsigned char* to, size_t n) { return std::fread(to, 1, n, data); });
            if (got != bytes)
                throw IoError(path, "cannot read the NRRD data: its raw data ends after " + std::to_string(got) +
                                        " of the " + std::to_string(bytes) + " bytes its sizes and type need");
        }
        if (nrrdTypeSize[header->type] > 1 && h.io->endian != airMyEndian()) nrrdSwapEndian(h.nrrd.get());
        n = std::move(h.nrrd);
    } else {
        h.io.reset();  // its data file closed: Teem reads the data (text, hex, bzip2; skips; several files)
        n.reset(nrrdNew());
        IoStatePtr io(nrrdIoStateNew());
        if (nrrdLoad(n.get(), path.c_str(), io.get()) != 0)
            throw IoError(path, "cannot read the NRRD data: " + teemProblem());
        bool same = n->type == header->type && n->dim == header->dim && n->data;
        for (unsigned ax = 0; same && ax < n->dim; ++ax) same = n->axis[ax].size == header->axis[ax].size;
        if (!same) throw IoError(path, "the file changed while it was being read");  // the axes found above are its
    }

    // Geometry: the space directions and origin as a voxel -> RAS affine where the space is a patient's.
    const std::array<double, 3> sign = toRas(n->space);
    const bool patientSpace = n->spaceDim >= 3 && sign[0] != 0;
    const unsigned sd = std::min(3u, n->spaceDim);
    std::array<double, 3> size{};  // a voxel's extent along i, j, k in the file's unit (0 unknown)
    for (size_t c = 0; c < axes.spatial.size(); ++c) {
        const NrrdAxisInfo& info = n->axis[axes.spatial[c]];
        if (n->spaceDim > 0) size[c] = length(info.spaceDirection, n->spaceDim);
        else if (std::isfinite(info.spacing) && info.spacing > 0) size[c] = info.spacing;
    }
    if (patientSpace) {
        m.niftiXyzUnits = unitsOf(n.get(), &m.readerNotes);
        std::array<std::array<double, 3>, 3> axisRas{};
        std::array<double, 3> originRas{};
        for (size_t c = 0; c < axes.spatial.size(); ++c)
            for (unsigned r = 0; r < sd; ++r) axisRas[c][r] = sign[r] * n->axis[axes.spatial[c]].spaceDirection[r];
        for (unsigned r = 0; r < sd; ++r) originRas[r] = sign[r] * n->spaceOrigin[r];
        setPatientGrid(m, axisRas, axes.spatial.size(), originRas);
    } else if (n->spaceDim >= 3) {  // (a 2-D space, a photo's or a slice's plane, names none either)
        m.readerNotes.push_back(std::string("its space (") + airEnumStr(nrrdSpace, n->space) +
                                ") names no patient directions: shown as stored, without orientation");
    }
    const double toMm = patientSpace ? millimetresPerUnit(m.niftiXyzUnits) : 1.0;
    setShownSpacing(m, {toMm * size[0], toMm * size[1], toMm * size[2]}, axes.spatial.size() > 2);

    // The values: each stored slice (rows j, columns i) gathered along the file's axes, the others at 0.
    std::array<size_t, NRRD_DIM_MAX> stride{};
    stride[0] = 1;
    for (unsigned ax = 1; ax < n->dim; ++ax) stride[ax] = stride[ax - 1] * n->axis[ax - 1].size;
    const StoredGrid grid{nx, ny, nz, stride[axes.spatial[0]], stride[axes.spatial[1]],
                          axes.spatial.size() > 2 ? stride[axes.spatial[2]] : 0};
    const bool colour = axes.colour >= 0;
    const bool alpha = colour && n->axis[axes.colour].size == 4;
    img.frames = colour ? colourSlices(static_cast<const uint8_t*>(n->data), stride[axes.colour], grid, m.niftiTurn)
                        : greySlices(n->data, nrrdDLookup[n->type], grid, m.niftiTurn);
    if (alpha) m.readerNotes.push_back("its alpha channel is left out (RGBA voxels read as RGB)");
    if (const std::string segments = slicerSegmentsNote(n.get()); !segments.empty()) m.readerNotes.push_back(segments);
    size_t volumes = 1;
    for (unsigned ax : axes.others) {
        volumes *= n->axis[ax].size;
        if (n->axis[ax].size > 1) {
            const char* label = n->axis[ax].label;
            m.readerNotes.push_back("its axis " + std::to_string(ax) + " (" + kindName(n->axis[ax].kind) +
                                    (label && *label ? std::string(", \"") + label + "\"" : std::string()) + ", " +
                                    std::to_string(n->axis[ax].size) + " values) is not spatial: only its first is read");
        }
    }
    m.niftiVolumes = static_cast<int>(std::min<size_t>(volumes, 1u << 30));
    m.sourcePath = path;
    m.format = "NRRD";
    m.photometric = colour ? "RGB" : "MONOCHROME2";
    m.bitsAllocated = m.bitsStored = colour ? 8 : static_cast<int>(nrrdTypeSize[n->type] * 8);
    m.isSigned = n->type == nrrdTypeChar || n->type == nrrdTypeShort || n->type == nrrdTypeInt ||
                 n->type == nrrdTypeLLong;
    m.volumeDims = {static_cast<int>(nx), static_cast<int>(ny), static_cast<int>(nz)};
    img.current = static_cast<int>(nz / 2);
    m.window = defaultWindow(img);
    return img;
}

}  // namespace msf::io
