// DICOM through DCMTK: single files, multi-frame, and folders holding series.
#include "msformer/io/dicom_reader.h"

#include <dcmtk/dcmdata/dctk.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <sstream>

#include "dcmtk_setup.h"
#include "dicom_frames.h"
#include "dicom_text.h"
#include "file_checks.h"
#include "jpeg2000_pixels.h"
#include "msformer/io/dataset_pairs.h"
#include "msformer/io/dicom_seg.h"
#include "msformer/io/io_error.h"

namespace msf::io {

namespace fs = std::filesystem;

namespace {

constexpr double kMaxPixels = 1u << 28;  // 268 M pixels: larger headers are refused before decoding

// What an error says a file is: DCMTK's name of its SOP class ("CTImageStorage"), else its UID.
std::string sopClassText(const std::string& uid) {
    const char* name = dcmFindNameOfUID(uid.c_str(), nullptr);
    return name ? std::string(name) : uid.empty() ? std::string("no SOP Class UID") : "SOP class " + uid;
}

std::string str(DcmItem* ds, const DcmTagKey& tag, long pos = 0) {
    OFString v;
    return ds->findAndGetOFString(tag, v, pos).good() ? std::string(v.c_str()) : std::string();
}

// Any numeric VR (US, SS, DS, IS, FD, ...), value number `pos`.
double num(DcmItem* ds, const DcmTagKey& tag, long pos, double fallback) {
    OFString v;
    if (ds->findAndGetOFString(tag, v, pos).bad() || v.empty()) return fallback;
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    return end != v.c_str() ? d : fallback;
}

// A number as the reader's notes write it: 0.25, -1024, 1e-05 (the default six significant digits).
std::string numberText(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

bool isJpeg2000(E_TransferSyntax x) {
    return x == EXS_JPEG2000LosslessOnly || x == EXS_JPEG2000 || x == EXS_JPEG2000MulticomponentLosslessOnly ||
           x == EXS_JPEG2000Multicomponent;
}

// Pixel Data, or the Float / Double Float Pixel Data of a parametric map (ADC, T1, perfusion maps).
bool hasFloatPixels(DcmItem* ds) {
    return ds->tagExists(DCM_FloatPixelData) || ds->tagExists(DCM_DoubleFloatPixelData);
}
bool hasPixels(DcmItem* ds) { return ds->tagExists(DCM_PixelData) || hasFloatPixels(ds); }

// The frames of Float or Double Float Pixel Data, values as stored (never encapsulated; DicomImage does not
// decode them).
std::vector<cv::Mat> floatFrames(const std::string& path, DcmDataset* ds, int w, int h, int frames) {
    const Float32* f32 = nullptr;
    const Float64* f64 = nullptr;
    unsigned long count = 0;
    if (ds->tagExists(DCM_FloatPixelData)) ds->findAndGetFloat32Array(DCM_FloatPixelData, f32, &count);
    else ds->findAndGetFloat64Array(DCM_DoubleFloatPixelData, f64, &count);
    if (!f32 && !f64) throw IoError(path, "cannot read its float pixel data");
    const size_t perFrame = static_cast<size_t>(w) * h;
    if (count < perFrame * frames)
        throw IoError(path, "its float pixel data holds " + std::to_string(count) + " values; " +
                                std::to_string(frames) + " frames of " + std::to_string(w) + " x " + std::to_string(h) +
                                " need " + std::to_string(perFrame * frames));
    std::vector<cv::Mat> out;
    for (int f = 0; f < frames; ++f) {
        cv::Mat frame(h, w, CV_32F);
        if (f32) std::copy_n(f32 + f * perFrame, perFrame, frame.ptr<float>());
        else std::transform(f64 + f * perFrame, f64 + (f + 1) * perFrame, frame.ptr<float>(),
                            [](Float64 v) { return static_cast<float>(v); });
        out.push_back(frame);
    }
    return out;
}

// Why an Image Orientation (Patient) places nothing: its row and column directions must be unit vectors at
// right angles (files hold 0\0\0\0\0\0, or one direction twice, which gave a NIfTI mask a singular affine and
// a SEG that dciodvfy rejects). Empty when they are.
std::string orientationProblem(const std::array<double, 6>& o) {
    const double row = std::hypot(o[0], o[1], o[2]), column = std::hypot(o[3], o[4], o[5]);
    const double dot = o[0] * o[3] + o[1] * o[4] + o[2] * o[5];
    if (std::abs(row - 1) < 1e-2 && std::abs(column - 1) < 1e-2 && std::abs(dot) < 1e-2) return {};
    std::string values = numberText(o[0]);
    for (int i = 1; i < 6; ++i) values += "\\" + numberText(o[i]);
    return "its Image Orientation (Patient) " + values + " is not two perpendicular unit vectors, so it is not placed in space";
}

// Header facts used for series grouping and sorting (no pixel decoding).
struct DicomHeader {
    std::string path, seriesUid, description, modality;
    std::array<double, 3> position{};
    std::array<double, 6> orientation{};
    bool hasPosition = false;
    long instance = 0, seriesNumber = -1, echo = 0, timePoint = 0;
};

bool readHeader(const std::string& path, DicomHeader* h) {
    setUpDcmtk();
    DcmFileFormat ff;
    if (ff.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, 4096, ERM_autoDetect).bad()) return false;
    DcmDataset* ds = ff.getDataset();
    if (!hasPixels(ds)) return false;
    textsToUtf8(*ds);  // the series description
    // A SEG exported beside its images does not make the folder a second series.
    if (isSegmentationObject(str(ds, DCM_Modality), str(ds, DCM_SOPClassUID))) return false;
    h->path = path;
    h->seriesUid = str(ds, DCM_SeriesInstanceUID);
    h->description = str(ds, DCM_SeriesDescription);
    h->modality = str(ds, DCM_Modality);
    h->instance = static_cast<long>(num(ds, DCM_InstanceNumber, 0, 0));
    h->seriesNumber = static_cast<long>(num(ds, DCM_SeriesNumber, 0, -1));  // -1: none
    h->echo = static_cast<long>(num(ds, DCM_EchoNumbers, 0, 0));
    h->timePoint = static_cast<long>(num(ds, DCM_TemporalPositionIdentifier, 0, 0));
    h->hasPosition = ds->tagExists(DCM_ImagePositionPatient) && ds->tagExists(DCM_ImageOrientationPatient);
    for (int i = 0; i < 3; ++i) h->position[i] = num(ds, DCM_ImagePositionPatient, i, 0);
    for (int i = 0; i < 6; ++i) h->orientation[i] = num(ds, DCM_ImageOrientationPatient, i, 0);
    return true;
}

double alongNormal(const DicomHeader& h) {
    const auto n = sliceNormal(h.orientation);
    return n[0] * h.position[0] + n[1] * h.position[1] + n[2] * h.position[2];
}

// Pixel Padding Value (0028,0120), with Pixel Padding Range Limit (0028,0121) where given: the stored values of
// the pixels outside the scanned area (outside a CT's reconstruction circle, an MR's masked background). Kept as
// the modality values the frames hold, for the automatic window to leave out, and counted for the notes. Not
// where a Modality LUT Sequence (not a straight line) turns stored values into modality values.
void readPixelPadding(DcmItem* ds, Image& img) {
    auto& m = img.meta;
    if (!ds->tagExists(DCM_PixelPaddingValue) || ds->tagExists(DCM_ModalityLUTSequence)) return;
    const auto stored = [&](const DcmTagKey& tag) {
        double v = num(ds, tag, 0, NAN);
        // Its VR is US or SS as the pixels are; an implicit-VR file's value is read as US: -32768 comes as 32768.
        if (m.isSigned && v >= 32768 && v < 65536) v -= 65536;
        return v;
    };
    const double value = stored(DCM_PixelPaddingValue);
    if (std::isnan(value)) return;
    const double limit = ds->tagExists(DCM_PixelPaddingRangeLimit) ? stored(DCM_PixelPaddingRangeLimit) : NAN;
    const double a = m.rescaleSlope * value + m.rescaleIntercept;
    const double b = std::isnan(limit) ? a : m.rescaleSlope * limit + m.rescaleIntercept;
    // DCMTK's rescaled values are whole numbers, cut towards zero: within 1 of the line's unless it is a shift.
    const double tolerance = m.rescaleSlope == 1 && m.rescaleIntercept == std::round(m.rescaleIntercept) ? 0 : 1;
    m.paddingLow = std::min(a, b) - tolerance;
    m.paddingHigh = std::max(a, b) + tolerance;
    m.paddingText = std::isnan(limit) || limit == value
                        ? "Pixel Padding Value " + numberText(value)
                        : "Pixel Padding Value and Range Limit, " + numberText(std::min(value, limit)) + " to " +
                              numberText(std::max(value, limit));
    if (m.rescaleSlope != 1 || m.rescaleIntercept != 0)  // the frames hold rescaled values: say those too
        m.paddingText += " (" + numberText(std::min(a, b)) +
                         (a == b ? "" : " to " + numberText(std::max(a, b))) + " after the rescale)";
    for (const cv::Mat& frame : img.frames) {
        cv::Mat padded;
        cv::inRange(frame, m.paddingLow, m.paddingHigh, padded);
        m.paddedPixels += static_cast<size_t>(cv::countNonZero(padded));
    }
}

// The VOI LUTs (VOI LUT Sequence, 0028,3010) of a data set, after its windows: each a table from the modality
// values the frames hold to what is shown (a CR's or DX's own tone curve, often given instead of a window). The
// descriptor's first value mapped is read as negative (two's complement) where the image has negative values; a
// table with fewer entries than its descriptor names, or of 0 or more than 16 bits, is left out and said.
void readVoiLuts(DcmItem* ds, Image& img) {
    DcmSequenceOfItems* seq = nullptr;
    if (ds->findAndGetSequence(DCM_VOILUTSequence, seq).bad() || !seq) return;
    auto& m = img.meta;
    double lowest = 0;
    for (const cv::Mat& frame : img.frames) {
        double lo = 0;
        cv::minMaxLoc(frame, &lo);
        lowest = std::min(lowest, lo);
    }
    for (unsigned long i = 0; i < seq->card(); ++i) {
        DcmItem* item = seq->getItem(i);
        const std::string which = "VOI LUT " + std::to_string(i + 1);
        const double entries = num(item, DCM_LUTDescriptor, 0, -1) == 0 ? 65536 : num(item, DCM_LUTDescriptor, 0, -1);
        double first = num(item, DCM_LUTDescriptor, 1, NAN);
        const int bits = static_cast<int>(num(item, DCM_LUTDescriptor, 2, 0));
        if (first >= 32768 && lowest < 0) first -= 65536;
        const Uint16* data = nullptr;
        unsigned long count = 0;
        if (entries < 1 || std::isnan(first) || bits < 1 || bits > 16 ||
            item->findAndGetUint16Array(DCM_LUTData, data, &count).bad() || !data) {
            m.readerNotes.push_back("its " + which + " is left out: its LUT Descriptor (" + str(item, DCM_LUTDescriptor) +
                                    ") or LUT Data is not valid");
            continue;
        }
        std::vector<double> table;
        if (count >= entries) {
            table.assign(data, data + static_cast<size_t>(entries));
        } else if (bits <= 8 && count * 2 >= entries) {  // 8-bit entries packed two to a word, low byte first
            for (size_t k = 0; k < static_cast<size_t>(entries); ++k) table.push_back((data[k / 2] >> (k % 2 ? 8 : 0)) & 0xFF);
        } else {
            m.readerNotes.push_back("its " + which + " is left out: its LUT Data has " + std::to_string(count) +
                                    " entries, its descriptor names " + numberText(entries));
            continue;
        }
        // Entries above the descriptor's bits (a table said to be 12-bit holding 16-bit values) set the top.
        double top = std::ldexp(1.0, bits) - 1;
        if (const double most = *std::max_element(table.begin(), table.end()); most > top)
            top = std::ldexp(1.0, static_cast<int>(std::ceil(std::log2(most + 1)))) - 1;
        auto lut = std::make_shared<std::vector<float>>(table.size());
        for (size_t k = 0; k < table.size(); ++k) (*lut)[k] = static_cast<float>(table[k] / top);
        const std::string explanation = str(item, DCM_LUTExplanation);
        Window w{first + (entries - 1) / 2, std::max(1.0, entries - 1), explanation.empty() ? "file LUT " + std::to_string(i + 1) : explanation};
        w.lut = std::move(lut);
        w.lutFirst = first;
        m.fileWindows.push_back(std::move(w));
    }
}

// The VOI windows (Window Center / Width pairs) of a dataset or functional group.
std::vector<Window> voiWindows(DcmItem* item) {
    std::vector<Window> windows;
    for (long i = 0;; ++i) {
        const double c = num(item, DCM_WindowCenter, i, NAN), w = num(item, DCM_WindowWidth, i, NAN);
        if (std::isnan(c) || std::isnan(w)) break;
        const std::string expl = str(item, DCM_WindowCenterWidthExplanation, i);
        if (w > 0) windows.push_back({c, w, expl.empty() ? "file " + std::to_string(i + 1) : expl});
    }
    return windows;
}

// The slice spacing the positions show (median step along the normal), 0 if
// they do not: Slice Thickness is not the distance between slices (gaps,
// overlapping reconstructions), and some vendors put the gap in Spacing Between Slices.
double measuredSliceSpacing(const std::vector<std::array<double, 3>>& positions,
                            const std::array<double, 6>& orientation) {
    if (positions.size() < 2) return 0;
    const auto n = sliceNormal(orientation);
    std::vector<double> steps;
    for (size_t i = 1; i < positions.size(); ++i) {
        double d = 0;
        for (int k = 0; k < 3; ++k) d += (positions[i][k] - positions[i - 1][k]) * n[k];
        steps.push_back(std::abs(d));
    }
    std::nth_element(steps.begin(), steps.begin() + steps.size() / 2, steps.end());
    return steps[steps.size() / 2];
}

// Enhanced multi-frame objects (Enhanced CT / MR, and others built from
// functional groups) keep spacing, orientation, positions, rescale and windows
// in a functional group macro: the frame's own (Per-Frame Functional Groups)
// or the one for all frames (Shared Functional Groups), not at the top level.
class FunctionalGroups {
public:
    explicit FunctionalGroups(DcmItem* ds) {
        DcmItem* item = nullptr;
        if (ds->findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, item, 0).good()) shared_ = item;
        // The frames' items in one pass: looking each up by number walks the list from its start.
        DcmSequenceOfItems* perFrame = nullptr;
        if (ds->findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, perFrame).good() && perFrame)
            for (DcmObject* o = perFrame->nextInContainer(nullptr); o; o = perFrame->nextInContainer(o))
                perFrame_.push_back(static_cast<DcmItem*>(o));
    }
    // The macro's item for `frame`: its own, else the shared one; `own` says which.
    DcmItem* find(long frame, const DcmTagKey& macro, bool* own = nullptr) const {
        DcmItem* item = nullptr;
        const bool found = frame >= 0 && static_cast<size_t>(frame) < perFrame_.size() &&
                           perFrame_[frame]->findAndGetSequenceItem(macro, item, 0).good() && item;
        if (own) *own = found;
        if (found) return item;
        return shared_ && shared_->findAndGetSequenceItem(macro, item, 0).good() ? item : nullptr;
    }

private:
    DcmItem* shared_ = nullptr;
    std::vector<DcmItem*> perFrame_;
};

void readFunctionalGroups(DcmItem* ds, Image& img) {
    auto& m = img.meta;
    const long frames = img.frameCount();
    const FunctionalGroups groups(ds);
    if (DcmItem* measures = groups.find(0, DCM_PixelMeasuresSequence)) {
        m.spacingY = num(measures, DCM_PixelSpacing, 0, m.spacingY);
        m.spacingX = num(measures, DCM_PixelSpacing, 1, m.spacingX);
        m.sliceSpacing = num(measures, DCM_SpacingBetweenSlices, 0, num(measures, DCM_SliceThickness, 0, m.sliceSpacing));
    }
    if (m.fileWindows.empty())
        if (DcmItem* voi = groups.find(0, DCM_FrameVOILUTSequence)) m.fileWindows = voiWindows(voi);
    // DCMTK applies a shared Pixel Value Transformation itself, not a per-frame one.
    for (long f = 0; f < frames; ++f) {
        bool own = false;
        DcmItem* rescale = groups.find(f, DCM_PixelValueTransformationSequence, &own);
        if (!rescale) break;
        const double slope = num(rescale, DCM_RescaleSlope, 0, 1), intercept = num(rescale, DCM_RescaleIntercept, 0, 0);
        if (f == 0) m.rescaleSlope = slope, m.rescaleIntercept = intercept;
        if (own && img.isMonochrome() && (slope != 1 || intercept != 0))
            img.frames[f].convertTo(img.frames[f], CV_32F, slope, intercept);
    }
    DcmItem* orientation = groups.find(0, DCM_PlaneOrientationSequence);
    if (!orientation || !orientation->tagExists(DCM_ImageOrientationPatient)) return;
    std::array<double, 6> o{};
    for (int i = 0; i < 6; ++i) o[i] = num(orientation, DCM_ImageOrientationPatient, i, 0);
    std::vector<std::array<double, 3>> positions;
    for (long f = 0; f < frames; ++f) {
        DcmItem* position = groups.find(f, DCM_PlanePositionSequence);
        if (!position || !position->tagExists(DCM_ImagePositionPatient)) return;  // a frame without: no geometry
        positions.push_back({num(position, DCM_ImagePositionPatient, 0, 0), num(position, DCM_ImagePositionPatient, 1, 0),
                             num(position, DCM_ImagePositionPatient, 2, 0)});
        // A frame in another plane (an enhanced localizer's three planes): the frames are not one stack.
        if (DcmItem* own = groups.find(f, DCM_PlaneOrientationSequence); f > 0 && own)
            for (int i = 0; i < 6; ++i)
                if (std::abs(num(own, DCM_ImageOrientationPatient, i, o[i]) - o[i]) > 1e-3) {
                    m.hasGeometry = false;
                    m.geometryProblem = "frame " + std::to_string(f) + " lies in another plane than frame 0, so the "
                                        "frames are not placed in space";
                    return;
                }
    }
    m.hasGeometry = true;
    m.imageOrientation = o;
    m.imagePosition = positions.front();
    if (frames > 1) m.framePositions = positions;
    if (const double step = measuredSliceSpacing(positions, o); step > 0) m.sliceSpacing = step;
}

// A classic (not enhanced) multi-frame file gives one Image Position (Patient), the first
// frame's. The others are placed by the vector of offsets it carries (RT Dose's Grid Frame
// Offset Vector, a Slice Location Vector), at that one position when its frames are a time
// series (the Frame Increment Pointer names Frame Time or the Frame Time Vector: a cine), else
// not at all: before, each frame was put one Slice Thickness further along the normal.
void placeClassicFrames(DcmDataset* ds, Image& img) {
    auto& m = img.meta;
    const int n = img.frameCount();
    if (n < 2 || !m.hasGeometry) return;
    const auto normal = sliceNormal(m.imageOrientation);
    const auto placeBy = [&](const DcmTagKey& tag) {
        std::vector<double> offsets;
        for (int k = 0; k < n; ++k) {
            const double v = num(ds, tag, k, NAN);
            if (!std::isfinite(v)) return false;
            offsets.push_back(v);
        }
        m.framePositions.clear();
        for (int k = 0; k < n; ++k) {  // relative to the first frame (absolute offsets start at its z)
            const double d = offsets[k] - offsets[0];
            m.framePositions.push_back({m.imagePosition[0] + d * normal[0], m.imagePosition[1] + d * normal[1],
                                        m.imagePosition[2] + d * normal[2]});
        }
        if (const double step = measuredSliceSpacing(m.framePositions, m.imageOrientation); step > 0)
            m.sliceSpacing = step;
        return true;
    };
    if (placeBy(DCM_GridFrameOffsetVector) || placeBy(DCM_SliceLocationVector)) return;
    bool overTime = false;
    DcmElement* pointer = nullptr;
    if (ds->findAndGetElement(DCM_FrameIncrementPointer, pointer).good())
        if (auto* tags = dynamic_cast<DcmAttributeTag*>(pointer))
            for (unsigned long i = 0; i < tags->getVM(); ++i) {
                DcmTagKey key;
                if (tags->getTagVal(key, i).good() && (key == DCM_FrameTime || key == DCM_FrameTimeVector)) overTime = true;
            }
    if (overTime) {
        m.framePositions.assign(n, m.imagePosition);
        return;
    }
    m.hasGeometry = false;
    m.geometryProblem = "its " + std::to_string(n) + " frames give no position of their own (neither offsets nor "
                        "a Frame Time), so they are not placed in space";
}

// An ultrasound image has no Pixel Spacing: its calibration is in its Sequence of Ultrasound Regions, as the
// Physical Delta X / Y of each region. Those of the 2D regions (Region Spatial Format 1) measured in cm (Physical
// Units 3) give the pixel size when they agree; regions that disagree leave it unknown. Either way it is said.
void readUltrasoundCalibration(DcmItem* ds, ImageMetadata& m) {
    DcmSequenceOfItems* regions = nullptr;
    if (ds->findAndGetSequence(DCM_SequenceOfUltrasoundRegions, regions).bad() || !regions) return;
    std::vector<std::pair<double, double>> sizes;  // mm across, mm down
    for (unsigned long i = 0; i < regions->card(); ++i) {
        DcmItem* region = regions->getItem(i);
        if (num(region, DCM_RegionSpatialFormat, 0, 0) != 1 || num(region, DCM_PhysicalUnitsXDirection, 0, 0) != 3 ||
            num(region, DCM_PhysicalUnitsYDirection, 0, 0) != 3)
            continue;
        const double x = std::abs(num(region, DCM_PhysicalDeltaX, 0, 0)) * 10,
                     y = std::abs(num(region, DCM_PhysicalDeltaY, 0, 0)) * 10;
        if (x > 0 && y > 0 && std::isfinite(x) && std::isfinite(y)) sizes.push_back({x, y});
    }
    if (sizes.empty()) return;
    const auto text = [](const std::pair<double, double>& size) {
        return numberText(size.first) + " x " + numberText(size.second) + " mm";
    };
    const auto differs = [&sizes](const std::pair<double, double>& size) {
        return std::abs(size.first - sizes[0].first) > 1e-6 * sizes[0].first ||
               std::abs(size.second - sizes[0].second) > 1e-6 * sizes[0].second;
    };
    if (std::any_of(sizes.begin(), sizes.end(), differs)) {
        std::string list;
        for (const auto& size : sizes) list += (list.empty() ? "" : ", ") + text(size);
        m.readerNotes.push_back("its " + std::to_string(sizes.size()) + " calibrated ultrasound regions give different "
                                "pixel sizes (" + list + "): pixel size unknown");
        return;
    }
    m.spacingX = sizes[0].first;
    m.spacingY = sizes[0].second;
    m.readerNotes.push_back("pixel size " + text(sizes[0]) + " from its ultrasound region calibration (Sequence of "
                            "Ultrasound Regions; it has no Pixel Spacing), true inside the imaged region");
}

}  // namespace

bool hasDicomMagic(const std::string& path) {
    char magic[4];
    return std::ifstream(path, std::ios::binary).seekg(128).read(magic, 4) && std::string(magic, 4) == "DICM";
}

bool looksLikeDicom(const std::string& path) {
    const std::string ext = lowerCase(fs::path(path).extension().string());
    if (ext == ".dcm" || ext == ".dicom") return true;
    if (hasDicomMagic(path)) return true;
    unsigned char start[4] = {};
    const bool begun = static_cast<bool>(std::ifstream(path, std::ios::binary).read(reinterpret_cast<char*>(start), 4));
    // A data set without the preamble and file meta (old ACR-NEMA style files, some archives' and CDs' exports):
    // it begins with a tag of group 0002 or 0008, little endian (02 00 or 08 00 then a small element number),
    // which no raster format begins with (PNG 89 50, JPEG FF D8, BMP 42 4D, TIFF 49 49 / 4D 4D, PNM 50).
    const unsigned group = start[0] | start[1] << 8, element = start[2] | start[3] << 8;
    return begun && (group == 0x0002 || group == 0x0008) && element < 0x1000;
}

std::string dicomFolderOf(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) return path;
    if (!fs::is_regular_file(path, ec) || !looksLikeDicom(path)) return {};
    setUpDcmtk();
    DcmMetaInfo meta;  // the file meta information alone: a large CD's DICOMDIR is megabytes of records
    if (meta.loadFile(path.c_str()).bad() || str(&meta, DCM_MediaStorageSOPClassUID) != UID_MediaStorageDirectoryStorage)
        return {};
    const fs::path folder = fs::absolute(path, ec).parent_path();
    return ec ? fs::path(path).parent_path().string() : folder.string();
}

Image readDicom(const std::string& path, const CancelCheck& cancelled, const LoadProgress& progress) {
    setUpDcmtk();
    std::error_code ec;
    if (!fs::exists(path, ec)) throw IoError(path, "file not found");
    if (fs::file_size(path, ec) == 0) throw IoError(path, "file is empty (0 bytes)");
    DcmFileFormat ff;
    const OFCondition st = ff.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
    if (st.bad()) throw IoError(path, std::string("not a readable DICOM file: ") + st.text());
    DcmDataset* ds = ff.getDataset();
    const std::string charsetNote = textsToUtf8(*ds);
    const std::string sopClass = str(ds, DCM_SOPClassUID);
    const std::string modality = str(ds, DCM_Modality);
    const std::string what = sopClassText(sopClass) + (modality.empty() ? "" : ", modality " + modality);
    if (isSegmentationObject(modality, sopClass))
        throw IoError(path, "is a DICOM Segmentation (" + what + "), not an image to segment");
    if (!hasPixels(ds)) throw IoError(path, "has no pixel data (" + what + "): not an image");
    // A transfer syntax DCMTK does not know is parsed as Little Endian Explicit: High-Throughput JPEG 2000
    // (newer than DCMTK 3.6.7; explicit VR little endian, encapsulated) is decoded as JPEG 2000 is, by
    // OpenJPEG; any other is refused by its UID (it failed as "cannot decode pixel data (Little Endian
    // Explicit ...): Missing attribute").
    std::string htj2k;  // the HTJ2K transfer syntax's name, where it is one
    if (OFString uid; ff.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, uid).good() && !uid.empty() &&
                      DcmXfer(uid.c_str()).getXfer() == EXS_Unknown) {
        const std::string id = uid.c_str();
        htj2k = highThroughputJpeg2000Name(id);
        if (htj2k.empty())
            throw IoError(path, "unsupported transfer syntax " + id + ": not one the DICOM library (DCMTK " +
                                    OFFIS_DCMTK_VERSION_STRING + ") knows");
        htj2k += " (" + id + ")";
    }
    E_TransferSyntax xfer = ds->getOriginalXfer();
    const DcmXfer xf(xfer);
    const std::string xferText = !htj2k.empty() ? htj2k : std::string(xf.getXferName()) + " (" + xf.getXferID() + ")";
    const double rows = num(ds, DCM_Rows, 0, 0), cols = num(ds, DCM_Columns, 0, 0);
    const double frames = std::max(1.0, num(ds, DCM_NumberOfFrames, 0, 1));
    const double spp = std::max(1.0, num(ds, DCM_SamplesPerPixel, 0, 1));
    if (rows <= 0 || cols <= 0) throw IoError(path, "has no valid Rows/Columns");
    if (rows * cols * frames > kMaxPixels)
        throw IoError(path, "image too large (" + std::to_string(long(cols)) + " x " + std::to_string(long(rows)) +
                                " x " + std::to_string(long(frames)) + " frames)");

    // JPEG 2000, which none of DCMTK's free codecs reads: decoded with OpenJPEG into native pixels first.
    std::vector<std::string> decoderNotes;
    const std::string photometric = str(ds, DCM_PhotometricInterpretation);  // as the file says (YBR_RCT)
    if (isJpeg2000(xfer) || !htj2k.empty()) {
        decodeJpeg2000Pixels(path, ds, &decoderNotes);
        xfer = EXS_LittleEndianExplicit;
    }
    const bool floatPixels = hasFloatPixels(ds);
    if (floatPixels && spp != 1)
        throw IoError(path, "float pixel data of " + std::to_string(long(spp)) + " samples per pixel (1 is allowed)");
    DecodedFrames decoded;
    if (!floatPixels) decoded = decodeFrames(path, ff, xfer, xferText, static_cast<int>(num(ds, DCM_BitsStored, 0, 0)),
                                             cancelled, progress);
    Image img;
    auto& m = img.meta;
    if (!charsetNote.empty()) m.readerNotes.push_back(charsetNote);
    m.sourcePath = path;
    m.format = "DICOM";
    m.modality = modality;
    m.photometric = photometric;
    m.transferSyntax = xferText;
    m.bitsAllocated = static_cast<int>(num(ds, DCM_BitsAllocated, 0, 0));
    m.bitsStored = static_cast<int>(num(ds, DCM_BitsStored, 0, 0));
    m.isSigned = num(ds, DCM_PixelRepresentation, 0, 0) == 1;
    m.rescaleSlope = num(ds, DCM_RescaleSlope, 0, 1);
    m.rescaleIntercept = num(ds, DCM_RescaleIntercept, 0, 0);
    m.fileWindows = voiWindows(ds);
    m.readerNotes.insert(m.readerNotes.end(), decoderNotes.begin(), decoderNotes.end());
    // Pixel Spacing, else Imager Pixel Spacing (a projection radiograph's), "row\column". One value alone
    // (not valid; before, the other came from the other attribute, or the size was unknown) is square pixels.
    for (const auto& [tag, name] : {std::pair{DCM_PixelSpacing, "Pixel Spacing"},
                                     std::pair{DCM_ImagerPixelSpacing, "Imager Pixel Spacing"}}) {
        const double y = num(ds, tag, 0, 0), x = num(ds, tag, 1, -1);  // -1: no second value
        if (y <= 0 || (x <= 0 && x != -1)) continue;
        m.spacingY = y;
        m.spacingX = x > 0 ? x : y;
        if (x == -1)
            m.readerNotes.push_back("its " + std::string(name) + " has one value, " + str(ds, tag) +
                                    ": read as square pixels of " + str(ds, tag) + " mm");
        break;
    }
    if (m.spacingX <= 0) readUltrasoundCalibration(ds, m);
    m.sliceSpacing = num(ds, DCM_SpacingBetweenSlices, 0, num(ds, DCM_SliceThickness, 0, 0));
    // Pixel Aspect Ratio: "vertical\horizontal" size of a pixel (given where Pixel Spacing is not).
    if (const double v = num(ds, DCM_PixelAspectRatio, 0, 0), h = num(ds, DCM_PixelAspectRatio, 1, 0);
        v > 0 && h > 0 && std::isfinite(v / h))
        m.aspectRatio = v / h;
    m.patientId = str(ds, DCM_PatientID);
    m.patientName = str(ds, DCM_PatientName);
    m.studyInstanceUid = str(ds, DCM_StudyInstanceUID);
    m.seriesInstanceUid = str(ds, DCM_SeriesInstanceUID);
    m.sopInstanceUid = str(ds, DCM_SOPInstanceUID);
    m.sopClassUid = sopClass;
    m.frameOfReferenceUid = str(ds, DCM_FrameOfReferenceUID);
    m.studyId = str(ds, DCM_StudyID);
    m.seriesDescription = str(ds, DCM_SeriesDescription);
    m.hasGeometry = ds->tagExists(DCM_ImagePositionPatient) && ds->tagExists(DCM_ImageOrientationPatient);
    for (int i = 0; i < 3; ++i) m.imagePosition[i] = num(ds, DCM_ImagePositionPatient, i, 0);
    for (int i = 0; i < 6; ++i) m.imageOrientation[i] = num(ds, DCM_ImageOrientationPatient, i, 0);

    if (floatPixels) {
        img.frames = floatFrames(path, ds, static_cast<int>(cols), static_cast<int>(rows), static_cast<int>(frames));
        m.bitsStored = m.bitsAllocated;  // all of a float's bits (the attribute is not allowed there)
        m.isSigned = true;
        if (m.photometric.empty()) m.photometric = "MONOCHROME2";
    } else if (decoded.monochrome) {
        img.frames = std::move(decoded.frames);
        if (m.photometric.empty()) m.photometric = "MONOCHROME2";
        // A Rescale Slope of 0 is invalid, and DCMTK then leaves the modality LUT out, intercept and all (a
        // CT read as stored values, 128..2191 instead of -896..1167 HU): read as slope 1, and said.
        if (ds->tagExists(DCM_RescaleSlope) && m.rescaleSlope == 0) {
            for (cv::Mat& frame : img.frames) frame.convertTo(frame, CV_32F, 1.0, m.rescaleIntercept);
            m.rescaleSlope = 1;
            m.readerNotes.push_back("its Rescale Slope is 0, which is not valid: read as 1 (with the intercept, " +
                                    numberText(m.rescaleIntercept) + ")");
        }
        readPixelPadding(ds, img);
        readVoiLuts(ds, img);
    } else {
        img.frames = std::move(decoded.frames);
        m.photometric += " (as RGB)";
    }
    if (!decoded.note.empty()) m.readerNotes.push_back(decoded.note);
    if (img.frames.empty()) throw IoError(path, "no frame could be decoded (" + xferText + ")");
    if (ds->tagExists(DCM_SharedFunctionalGroupsSequence) || ds->tagExists(DCM_PerFrameFunctionalGroupsSequence))
        readFunctionalGroups(ds, img);
    else
        placeClassicFrames(ds, img);
    if (const std::string problem = m.hasGeometry ? orientationProblem(m.imageOrientation) : ""; !problem.empty()) {
        m.hasGeometry = false;
        m.geometryProblem = problem;
        m.framePositions.clear();
    }
    m.window = defaultWindow(img);
    return img;
}

std::vector<DicomSeries> listDicomSeries(const std::string& dir, const CancelCheck& cancelled,
                                         const LoadProgress& progress) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw IoError(dir, "not a folder");
    // The files first (names only, fast), so that the headers' reading can say how far it has come.
    std::vector<std::string> files;
    size_t entries = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
        if (++entries % 1024 == 0) stopIfCancelled(cancelled, dir);  // a large tree's walk
        if (e.is_regular_file()) files.push_back(e.path().string());
    }
    std::map<std::string, std::vector<DicomHeader>> bySeries;
    for (size_t i = 0; i < files.size(); ++i) {
        stopIfCancelled(cancelled, dir);
        DicomHeader h;
        if (readHeader(files[i], &h)) bySeries[h.seriesUid].push_back(h);
        if (progress) progress(i + 1, files.size());
    }
    // A series whose images carry several Echo Numbers (a dual-echo MR) or Temporal Position Identifiers (a
    // DCE or perfusion series) holds each echo or time point at every position: read as one stack it
    // alternated between them, which no NIfTI could hold. One series per echo and time point.
    using Part = std::tuple<std::string, long, long>;  // UID, echo, time point (0 where the series is not split)
    std::map<Part, std::vector<DicomHeader>> byPart;
    std::map<std::string, std::pair<long, long>> parts;  // UID -> how many echoes, time points
    for (auto& [uid, headers] : bySeries) {
        std::set<long> echoes, times;
        for (const auto& h : headers) echoes.insert(h.echo), times.insert(h.timePoint);
        parts[uid] = {long(echoes.size()), long(times.size())};
        for (auto& h : headers)
            byPart[{uid, echoes.size() > 1 ? h.echo : 0, times.size() > 1 ? h.timePoint : 0}].push_back(std::move(h));
    }
    std::vector<DicomSeries> out;
    for (auto& [key, headers] : byPart) {
        const bool byPosition = std::all_of(headers.begin(), headers.end(), [](const auto& h) { return h.hasPosition; });
        std::sort(headers.begin(), headers.end(), [&](const DicomHeader& a, const DicomHeader& b) {
            if (byPosition && std::abs(alongNormal(a) - alongNormal(b)) > 1e-4) return alongNormal(a) < alongNormal(b);
            return a.instance < b.instance;
        });
        const auto& [uid, echo, timePoint] = key;
        const auto [echoes, timePoints] = parts[uid];
        DicomSeries s{uid, headers.front().description, headers.front().modality, {}, headers.front().seriesNumber};
        std::vector<std::string> which;
        if (echoes > 1) {
            s.uid += "/echo" + std::to_string(echo);
            s.echo = echo, s.echoes = echoes;
            which.push_back("echo " + std::to_string(echo));
        }
        if (timePoints > 1) {
            s.uid += "/time" + std::to_string(timePoint);
            s.timePoint = timePoint, s.timePoints = timePoints;
            which.push_back("time point " + std::to_string(timePoint));
        }
        if (!which.empty()) {
            std::string part = which.front() + (which.size() > 1 ? ", " + which.back() : "");
            s.description = s.description.empty() ? part : s.description + " (" + part + ")";
        }
        for (const auto& h : headers) s.files.push_back(h.path);
        out.push_back(std::move(s));
    }
    std::stable_sort(out.begin(), out.end(), [](const DicomSeries& a, const DicomSeries& b) {
        auto key = [](const DicomSeries& s) { return s.number < 0 ? std::numeric_limits<long>::max() : s.number; };
        return key(a) < key(b);
    });
    return out;
}

std::string dicomFilesWithoutImage(const std::string& dir) {
    setUpDcmtk();
    std::map<std::string, long> byClass;  // what each holds, as DCMTK names its SOP class
    long n = 0;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
        if (!e.is_regular_file()) continue;
        DcmFileFormat ff;
        if (ff.loadFile(e.path().string().c_str(), EXS_Unknown, EGL_noChange, 4096, ERM_autoDetect).bad()) continue;
        DcmDataset* ds = ff.getDataset();
        std::string sopClass = str(ds, DCM_SOPClassUID);
        if (sopClass.empty()) sopClass = str(ff.getMetaInfo(), DCM_MediaStorageSOPClassUID);
        if (sopClass == UID_MediaStorageDirectoryStorage) continue;  // a DICOMDIR: the index, not a file it lists
        const bool seg = isSegmentationObject(str(ds, DCM_Modality), sopClass);
        if (!seg && hasPixels(ds)) continue;
        const std::string kind = sopClassText(sopClass);
        ++byClass[kind + (seg ? " (a mask)" : kind.find("Image") != std::string::npos ? " without pixel data" : "")];
        ++n;
    }
    if (n == 0) return {};
    std::string kinds;
    for (const auto& [what, count] : byClass) kinds += (kinds.empty() ? "" : ", ") + std::to_string(count) + " " + what;
    return std::to_string(n) + (n == 1 ? " DICOM file that holds" : " DICOM files that hold") + " no image: " + kinds;
}

Image readDicomSeries(const DicomSeries& series, const CancelCheck& cancelled, const LoadProgress& progress) {
    if (series.files.empty()) throw IoError(series.uid, "empty series");
    stopIfCancelled(cancelled, fs::path(series.files.front()).parent_path().string());
    Image volume = readDicom(series.files.front());
    if (progress) progress(1, series.files.size());
    volume.meta.sourcePath = fs::path(series.files.front()).parent_path().string();
    // One UID and file per frame, and each frame's number in its file when a file holds several.
    auto addInstance = [&volume](const Image& file, const std::string& path) {
        const std::string name = fs::path(path).filename().string();
        for (int f = 0; f < file.frameCount(); ++f) {
            volume.meta.sopInstanceUids.push_back(file.meta.sopInstanceUid);
            volume.meta.frameFiles.push_back(name);
            volume.meta.instanceFrameNumbers.push_back(file.frameCount() > 1 ? f + 1 : 0);
        }
    };
    addInstance(volume, series.files.front());
    // Every frame's position in a file (a multi-frame file's own list), empty when not known.
    const auto placed = [](const Image& file) -> std::vector<std::array<double, 3>> {
        if (!file.meta.hasGeometry) return {};
        if (file.frameCount() == 1) return {file.meta.imagePosition};
        return file.meta.framePositions.size() == size_t(file.frameCount()) ? file.meta.framePositions
                                                                            : std::vector<std::array<double, 3>>{};
    };
    std::vector<std::array<double, 3>> positions = placed(volume);
    bool everyFramePlaced = !positions.empty();
    std::string geometryProblem;
    for (size_t i = 1; i < series.files.size(); ++i) {
        stopIfCancelled(cancelled, fs::path(series.files[i]).parent_path().string());
        Image slice = readDicom(series.files[i]);
        if (slice.pixels().size() != volume.frames[0].size() || slice.pixels().type() != volume.frames[0].type()) {
            // Which way, and against which file: a slice re-sampled or re-exported on its own is found by it.
            const auto describe = [](const Image& i) {
                return std::to_string(i.pixels().cols) + " x " + std::to_string(i.pixels().rows) + " " +
                       i.meta.photometric + " " + std::to_string(i.meta.bitsAllocated) + "-bit";
            };
            throw IoError(series.files[i], "slice size or type differs from the rest of the series (" + describe(slice) +
                                               "; " + fs::path(series.files[0]).filename().string() +
                                               ", the series' first slice, " + describe(volume) +
                                               "): open the slice on its own, or the series without it");
        }
        volume.frames.insert(volume.frames.end(), slice.frames.begin(), slice.frames.end());
        addInstance(slice, series.files[i]);
        if (progress) progress(i + 1, series.files.size());
        if (std::isnan(volume.meta.paddingLow)) {  // the first slice's padding, else the first that has one
            volume.meta.paddingLow = slice.meta.paddingLow, volume.meta.paddingHigh = slice.meta.paddingHigh;
            volume.meta.paddingText = slice.meta.paddingText;
        }
        volume.meta.paddedPixels += slice.meta.paddedPixels;
        const auto own = placed(slice);
        everyFramePlaced = everyFramePlaced && !own.empty();
        positions.insert(positions.end(), own.begin(), own.end());
        if (!geometryProblem.empty() || !volume.meta.hasGeometry) continue;
        const std::string name = fs::path(series.files[i]).filename().string();
        if (own.empty()) {
            geometryProblem = slice.meta.geometryProblem.empty() ? name + " has no Image Position / Orientation (Patient)"
                                                                 : name + ": " + slice.meta.geometryProblem;
        } else {
            double turn = 0;  // how far its row and column directions differ from the first slice's
            for (int k = 0; k < 6; ++k) turn = std::max(turn, std::abs(slice.meta.imageOrientation[k] - volume.meta.imageOrientation[k]));
            if (turn > 1e-3) geometryProblem = name + " lies in another plane than " +
                                               fs::path(series.files.front()).filename().string();
        }
    }
    if (!geometryProblem.empty()) {
        // Neither one volume's grid nor each frame's place can be told from the first slice: the
        // series is a stack of images (a SEG refers to each frame's instance; a NIfTI gets no affine).
        volume.meta.hasGeometry = false;
        volume.meta.geometryProblem = geometryProblem + ", so the series' slices are not placed in space";
        everyFramePlaced = false;
    }
    if (!volume.meta.geometryProblem.empty() && geometryProblem.empty())  // the first file's own
        volume.meta.geometryProblem = fs::path(series.files.front()).filename().string() + ": " + volume.meta.geometryProblem;
    volume.meta.framePositions.clear();
    if (everyFramePlaced && positions.size() > 1) {  // each frame's own position, and the spacing they show
        volume.meta.framePositions = positions;
        if (const double step = measuredSliceSpacing(positions, volume.meta.imageOrientation); step > 0)
            volume.meta.sliceSpacing = step;
    }
    if (series.echoes > 1)
        volume.meta.readerNotes.push_back("echo " + std::to_string(series.echo) + " only: its series holds " +
                                          std::to_string(series.echoes) + " echoes, each opened as a series of its own");
    if (series.timePoints > 1)
        volume.meta.readerNotes.push_back("time point " + std::to_string(series.timePoint) + " only: its series holds " +
                                          std::to_string(series.timePoints) + " time points (Temporal Position "
                                          "Identifiers), each opened as a series of its own");
    volume.current = volume.frameCount() / 2;
    volume.meta.window = defaultWindow(volume);
    return volume;
}

Image readDicomFolder(const std::string& dir, const std::string& seriesUid, const std::string& seriesOfFile,
                      const CancelCheck& cancelled, const LoadProgress& progress,
                      const std::vector<DicomSeries>& listed) {
    const auto all = listed.empty() ? listDicomSeries(dir, cancelled) : listed;
    if (all.empty()) {
        // A folder of photos or NIfTI files is not one image: say what it holds and what opens it.
        const auto images = imageFilesIn(dir, nullptr);
        if (images.empty()) {
            const std::string others = dicomFilesWithoutImage(dir);
            throw IoError(dir, "no DICOM image files in this folder" + (others.empty() ? "" : ", only " + others));
        }
        std::string names;
        for (size_t i = 0; i < std::min<size_t>(images.size(), 3); ++i)
            names += (i ? ", " : "") + fs::path(images[i]).filename().string();
        throw IoError(dir, "no DICOM image files in this folder, but " + std::to_string(images.size()) + " other image " +
                               (images.size() == 1 ? "file" : "files") + " (" + names + (images.size() > 3 ? ", ..." : "") +
                               "): open one of them, or segment them all with msformer segment " + dir);
    }
    if (!seriesOfFile.empty()) {
        for (const auto& s : all)
            for (const auto& f : s.files)
                if (std::error_code ec; fs::equivalent(f, seriesOfFile, ec))
                    return readDicomSeries(s, cancelled, progress);
        throw IoError(seriesOfFile, "is not in an image series of its folder");
    }
    if (!seriesUid.empty()) {
        std::string parts;
        for (const auto& s : all) {
            if (s.uid == seriesUid) return readDicomSeries(s, cancelled, progress);
            if (s.uid.rfind(seriesUid + "/", 0) == 0) parts += (parts.empty() ? "" : ", ") + s.uid;
        }
        if (!parts.empty())
            throw IoError(dir, "series " + seriesUid + " holds several echoes or time points, each a series: " + parts);
        throw IoError(dir, "no series with UID " + seriesUid);
    }
    if (all.size() > 1) {
        std::string list;
        for (const auto& s : all)
            list += "\n  " + s.uid + " (" + s.modality + ", " + std::to_string(s.files.size()) + " files" +
                    (s.description.empty() ? "" : ", " + s.description) + ")";
        throw IoError(dir, std::to_string(all.size()) + " series in this folder; choose one:" + list);
    }
    return readDicomSeries(all.front(), cancelled, progress);
}

}  // namespace msf::io
