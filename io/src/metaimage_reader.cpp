#include "msformer/io/metaimage_reader.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <vector>

#include "file_checks.h"
#include "metaimage_parts.h"
#include "msformer/io/io_error.h"
#include "voxel_volume.h"

namespace msf::io {

namespace fs = std::filesystem;
using namespace metaimage;

std::mutex& metaimage::metaIoMutex() {
    static std::mutex m;
    return m;
}

namespace {

template <class T>
double valueAs(const void* values, size_t index) {
    return static_cast<double>(static_cast<const T*>(values)[index]);
}

// How a voxel of this element type is read, or nullptr for a type that is not a number per voxel.
ValueAt valueReader(MET_ValueEnumType type) {
    switch (type) {
        case MET_CHAR: case MET_CHAR_ARRAY: return valueAs<MET_CHAR_TYPE>;
        case MET_UCHAR: case MET_UCHAR_ARRAY: return valueAs<MET_UCHAR_TYPE>;
        case MET_SHORT: case MET_SHORT_ARRAY: return valueAs<MET_SHORT_TYPE>;
        case MET_USHORT: case MET_USHORT_ARRAY: return valueAs<MET_USHORT_TYPE>;
        case MET_INT: case MET_INT_ARRAY: return valueAs<MET_INT_TYPE>;
        case MET_UINT: case MET_UINT_ARRAY: return valueAs<MET_UINT_TYPE>;
        case MET_LONG: case MET_LONG_ARRAY: return valueAs<MET_LONG_TYPE>;
        case MET_ULONG: case MET_ULONG_ARRAY: return valueAs<MET_ULONG_TYPE>;
        case MET_LONG_LONG: case MET_LONG_LONG_ARRAY: return valueAs<MET_LONG_LONG_TYPE>;
        case MET_ULONG_LONG: case MET_ULONG_LONG_ARRAY: return valueAs<MET_ULONG_LONG_TYPE>;
        case MET_FLOAT: case MET_FLOAT_ARRAY: return valueAs<MET_FLOAT_TYPE>;
        case MET_DOUBLE: case MET_DOUBLE_ARRAY: return valueAs<MET_DOUBLE_TYPE>;
        default: return nullptr;
    }
}

// (Signed integers; as the NRRD reader, floating point is not counted.)
bool isSignedType(MET_ValueEnumType type) {
    switch (type) {
        case MET_CHAR: case MET_CHAR_ARRAY: case MET_SHORT: case MET_SHORT_ARRAY: case MET_INT: case MET_INT_ARRAY:
        case MET_LONG: case MET_LONG_ARRAY: case MET_LONG_LONG: case MET_LONG_LONG_ARRAY: return true;
        default: return false;
    }
}

std::string typeName(MET_ValueEnumType type) {
    return type >= 0 && static_cast<size_t>(type) < MET_NUM_VALUE_TYPES ? MET_ValueTypeName[type] : "unknown";
}

// Values in the file: voxels times channels.
size_t valueCount(const MetaImage& mi) {
    size_t n = static_cast<size_t>(std::max(1, mi.ElementNumberOfChannels()));
    for (int d = 0; d < mi.NDims(); ++d) n *= static_cast<size_t>(std::max(1, mi.DimSize(d)));
    return n;
}

// The header alone: what the data will need is checked before MetaIO allocates it.
void checkHeader(const std::string& path, const MetaImage& mi) {
    const int dims = mi.NDims();
    if (dims < 2) throw IoError(path, "the MetaImage has " + std::to_string(dims) + " dimension(s); an image needs 2 or more");
    double voxels = 1;
    for (int d = 0; d < dims; ++d) {
        if (mi.DimSize(d) < 1)
            throw IoError(path, "its DimSize along axis " + std::to_string(d) + " is " + std::to_string(mi.DimSize(d)) +
                                    " (not a size)");
        voxels *= mi.DimSize(d);
    }
    if (!valueReader(mi.ElementType()))
        throw IoError(path, "its ElementType " + typeName(mi.ElementType()) + " is not a number per voxel");
    const int channels = mi.ElementNumberOfChannels();
    if (channels < 1 || channels > 64)
        throw IoError(path, "its ElementNumberOfChannels is " + std::to_string(channels) + " (1 to 64 are read)");
    checkVolumeSize(path, "MetaImage", static_cast<size_t>(mi.DimSize(0)), static_cast<size_t>(mi.DimSize(1)),
                    dims > 2 ? static_cast<size_t>(mi.DimSize(2)) : 1, voxels * channels,
                    MET_ValueTypeSize[mi.ElementType()]);
}

void swapBytes(unsigned char* values, size_t count, size_t size) {
    for (size_t i = 0; i < count; ++i) std::reverse(values + i * size, values + (i + 1) * size);
}

}  // namespace

bool isMetaImageInput(const std::string& path) {
    return hasSuffix(path, ".mha") || hasSuffix(path, ".mhd");
}

Image readMetaImage(const std::string& path, const CancelCheck& cancelled) {
    requireNonEmptyFile(path, "a MetaImage file");
    const HeaderText header = checkHeaderText(path);
    const std::lock_guard<std::mutex> lock(metaIoMutex());
    MetaImage mi;
    // Where it cannot parse the header, MetaIO says why on std::cerr, which is not captured here (swapping the
    // process's error stream for the read would race with any other thread writing to it): the reasons this
    // reader can tell from the header's text are said instead.
    if (!mi.Read(path.c_str(), false)) {
        const std::string why = headerProblem(header);
        throw IoError(path, why.empty() ? "not a readable MetaImage header (MetaIO cannot parse it)"
                                        : "not a readable MetaImage header: " + why);
    }
    if (mi.ElementType() == MET_OTHER || mi.ElementType() == MET_NONE)
        if (const std::string why = headerProblem(header); !why.empty()) throw IoError(path, why);
    checkHeader(path, mi);  // before anything is allocated
    if (std::string(mi.ElementDataFileName()).empty())
        throw IoError(path, "its ElementDataFile names no data file");  // (MetaIO then read the header's stream)
    // Compressed data is inflated here, from one data file: MetaIO's own inflate of a LIST or numbered files
    // (rare) would go unchecked, and compressed text is not a MetaImage layout.
    if (mi.CompressedData() && (!oneDataFile(mi) || !mi.BinaryData()))
        throw IoError(path, "compressed data " +
                                (mi.BinaryData() ? "split over several files (" + dataOf(mi) + ")" : "written as text") +
                                " is not read");
    const size_t typeSize = MET_ValueTypeSize[mi.ElementType()];
    const size_t values = valueCount(mi);  // (MetaIO's Quantity() is set only once it has read the data)
    const size_t bytes = values * typeSize;
    // MetaIO reports a short data file or a failed decompression on std::cerr only and goes on with the buffer
    // half filled, says nothing of a cut zlib stream, and crashed on some LISTs: the data is read here, by
    // dataPieces and readPieces (values written as text by readTextValues), MetaIO only parses the header.
    std::vector<unsigned char> own(std::max<size_t>(1, bytes));
    if (mi.BinaryData()) {
        readPieces(path, mi, dataPieces(path, header, mi, bytes), own.data(), cancelled);
        if (typeSize > 1 && mi.BinaryDataByteOrderMSB() != MET_SystemByteOrderMSB())
            swapBytes(own.data(), values, typeSize);  // (MetaIO leaves the file's byte order, and ITK swaps)
    } else {
        if (!oneDataFile(mi)) throw IoError(path, "values written as text over several files are not read");
        const std::vector<double> text = readTextValues(path, mi, dataPieces(path, header, mi, bytes).front(), values);
        for (size_t i = 0; i < values; ++i)
            MET_DoubleToValue(text[i], mi.ElementType(), own.data(), static_cast<std::streamoff>(i));
    }

    const int dims = mi.NDims();
    const size_t nx = mi.DimSize(0), ny = mi.DimSize(1), nz = dims > 2 ? mi.DimSize(2) : 1;
    const size_t spatial = dims > 2 ? 3 : 2;
    const size_t channels = mi.ElementNumberOfChannels();
    Image img;
    auto& m = img.meta;
    m.niftiFileType = "MetaImage, " + dataOf(mi);

    // Geometry: ITK's world is LPS; row d of TransformMatrix is axis d's direction, as ITK reads it. A 2-D image
    // lies in the plane z = 0, as ITK reads one into a 3-D image.
    const double* tm = mi.TransformMatrix();
    std::array<std::array<double, 3>, 3> axisRas{};
    std::array<double, 3> originRas{}, voxelMm{};
    constexpr std::array<double, 3> lpsToRas = {-1, -1, 1};
    for (size_t c = 0; c < spatial; ++c) {
        double spacing = mi.ElementSpacing(static_cast<int>(c));
        if (!std::isfinite(spacing) || spacing <= 0) {
            m.readerNotes.push_back("its ElementSpacing along axis " + std::to_string(c) + " is not a length: read as 1");
            spacing = 1;
        }
        voxelMm[c] = spacing;
        for (size_t r = 0; r < spatial; ++r) axisRas[c][r] = lpsToRas[r] * tm[c * dims + r] * spacing;
    }
    for (size_t r = 0; r < spatial; ++r) originRas[r] = lpsToRas[r] * mi.Position(static_cast<int>(r));
    setPatientGrid(m, axisRas, spatial, originRas);
    if (m.niftiAxes.empty())
        m.readerNotes.push_back("its TransformMatrix gives no patient directions: shown as stored, without orientation");
    setShownSpacing(m, voxelMm, spatial > 2);

    // The values, channels interleaved per voxel; of a 4th and further axes the first volume.
    const StoredGrid grid{nx, ny, nz, channels, nx * channels, nx * ny * channels};
    const bool colour = (mi.ElementType() == MET_UCHAR || mi.ElementType() == MET_UCHAR_ARRAY) &&
                        (channels == 3 || channels == 4);
    img.frames = colour ? colourSlices(own.data(), 1, grid, m.niftiTurn)
                        : greySlices(own.data(), valueReader(mi.ElementType()), grid, m.niftiTurn);
    if (colour && channels == 4) m.readerNotes.push_back("its alpha channel is left out (RGBA voxels read as RGB)");
    if (!colour && channels > 1)
        m.readerNotes.push_back("its voxels have " + std::to_string(channels) + " components: only the first is read");
    const double slope = mi.ElementToIntensityFunctionSlope(), offset = mi.ElementToIntensityFunctionOffset();
    if (!colour && (slope != 1.0 || offset != 0.0) && std::isfinite(slope) && std::isfinite(offset)) {
        for (cv::Mat& f : img.frames) f.convertTo(f, CV_32F, slope, offset);
        std::ostringstream note;
        note << "its ElementToIntensityFunction is applied (value x " << slope << " + " << offset << ")";
        m.readerNotes.push_back(note.str());
    }
    size_t volumes = 1;
    for (int d = 3; d < dims; ++d) volumes *= static_cast<size_t>(mi.DimSize(d));
    if (volumes > 1)
        m.readerNotes.push_back("it holds " + std::to_string(volumes) + " volumes along its axes beyond the third: "
                                "only the first is read");
    m.niftiVolumes = static_cast<int>(std::min<size_t>(volumes, 1u << 30));
    m.sourcePath = path;
    m.format = "MetaImage";
    m.photometric = colour ? "RGB" : "MONOCHROME2";
    m.bitsAllocated = m.bitsStored = colour ? 8 : static_cast<int>(MET_ValueTypeSize[mi.ElementType()] * 8);
    m.isSigned = isSignedType(mi.ElementType());
    m.volumeDims = {static_cast<int>(nx), static_cast<int>(ny), static_cast<int>(nz)};
    img.current = static_cast<int>(nz / 2);
    m.window = defaultWindow(img);
    return img;
}

}  // namespace msf::io
