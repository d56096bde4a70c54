#pragma once
// The one image type the program passes around: pixels, channels, physical
// metadata and where it came from.
#include <opencv2/core.hpp>
#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace msf::io {

struct Window {
    double center = 0;
    double width = 0;  // > 0 when set; both finite
    std::string name;  // "file 1", "lung", "auto", ...
    // A DICOM VOI LUT (0028,3010) in place of the straight line: value lutFirst + i shows as lut[i], in [0, 1]
    // (below lutFirst as the first entry, past the end as the last); center and width then span its input.
    std::shared_ptr<const std::vector<float>> lut = nullptr;
    double lutFirst = 0;
    bool valid() const { return std::isfinite(center) && std::isfinite(width) && width > 0; }
};

// How a stored NIfTI slice (rows j, columns i) is turned to be shown as
// radiology viewers show it: transposed first, then mirrored. Identity for
// DICOM and rasters, which are shown as stored.
struct SliceTurn {
    bool transpose = false, mirrorColumns = false, mirrorRows = false;
};
cv::Mat shownFromStored(const cv::Mat& stored, const SliceTurn& turn);
cv::Mat storedFromShown(const cv::Mat& shown, const SliceTurn& turn);

struct ImageMetadata {
    std::string sourcePath;
    std::string format;         // "PNG", "JPEG", "DICOM", "NIfTI", ...
    std::string modality;       // DICOM modality ("CT", "MR", ...), "MR" for NIfTI, or "photo"
    std::string photometric;    // DICOM photometric interpretation, or "RGB" / "MONOCHROME2"
    std::string transferSyntax; // DICOM: name and UID
    int bitsAllocated = 8, bitsStored = 8;
    bool isSigned = false;
    double rescaleSlope = 1, rescaleIntercept = 0;  // already applied to the pixels
    std::vector<Window> fileWindows;  // VOI windows stored in the file, then its VOI LUTs
    Window window;                    // what the segmenter and viewer use by default
    double spacingX = 0, spacingY = 0, sliceSpacing = 0;  // mm; 0 when unknown
    double aspectRatio = 0;  // DICOM Pixel Aspect Ratio, a pixel's height over its width; 0 when not given
    // DICOM identity and geometry (kept for export)
    std::string patientId, patientName, studyInstanceUid, seriesInstanceUid, sopInstanceUid, sopClassUid,
        frameOfReferenceUid, studyId, seriesDescription;
    std::vector<std::string> sopInstanceUids;  // per frame of a series
    std::vector<std::string> frameFiles;       // per frame of a series: its file's name (in the series' folders)
    std::vector<int> instanceFrameNumbers;     // per frame of a series of multi-frame files: its number in its file (1-based)
    bool hasGeometry = false;
    std::array<double, 3> imagePosition{};     // of the first frame (LPS, mm)
    std::vector<std::array<double, 3>> framePositions;  // a series' per-slice positions, in frame order
    // Why a series whose first file has geometry is read without (hasGeometry false): a slice without
    // Image Position / Orientation (Patient), or one in another plane (a localizer in the series).
    std::string geometryProblem;
    std::array<double, 6> imageOrientation{};  // row and column direction cosines
    // NIfTI geometry (kept for export on the same grid)
    bool hasNiftiAffine = false;
    std::array<std::array<double, 4>, 4> niftiAffine{};  // voxel (i, j, k) -> RAS, in niftiXyzUnits
    int niftiSformCode = 0, niftiQformCode = 0;
    // The file's spatial unit (NIfTI xyz_units: 0 unknown, 1 metre, 2 mm, 3 micron); spacingX, spacingY and
    // sliceSpacing are in mm whatever it is (a metre file's 0.001 is 1 mm), the affine as the file has it.
    int niftiXyzUnits = 0;
    SliceTurn niftiTurn;          // stored slice -> shown slice
    std::string niftiAxes;        // "i Right-to-Left, ..." from the affine; empty: none, or a degenerate one
    int niftiVolumes = 1;         // 4-D files: volumes in the file (the first is read)
    std::string niftiFileType;    // "NIfTI-1", "Analyze 7.5 (header and image pair)", ...
    std::array<int, 3> volumeDims{};          // NIfTI (as stored) / series: nx, ny, nz
    // Float data (NIfTI, float TIFF): NaN or infinite values (outside a registered or masked volume's
    // data, say), read as the lowest finite value of the image (as 0, outside, when read as a mask).
    size_t nonFiniteValues = 0;
    double nonFiniteReadAs = 0;
    // DICOM Pixel Padding Value (with Pixel Padding Range Limit, where given) as modality values, both ends
    // inclusive: the pixels outside the scanned area, left out of the automatic window. NaN where none.
    double paddingLow = NAN, paddingHigh = NAN;
    size_t paddedPixels = 0;   // how many pixels of the frames read hold it
    std::string paddingText;   // "Pixel Padding Value -2000 (-3024 after the rescale)"
    // A PNG's pixels that its alpha channel leaves wholly or partly transparent, read over black.
    size_t transparentPixels = 0;
    std::vector<std::string> readerNotes;  // other departures from the file as it is written, said on opening
};

// A NIfTI (or Analyze), NRRD or MetaImage volume: its frames are the slices of one voxel grid along k, each shown
// turned from its stored axes by niftiTurn; a mask file of such a format lies on its image's grid.
bool isVoxelVolume(const ImageMetadata& meta);
// What gives such a volume its patient axes, named as a file without them lacks it: "affine" (NIfTI), "patient
// space" (NRRD), "patient directions" (MetaImage).
std::string voxelAxesSource(const ImageMetadata& meta);

struct Image {
    std::vector<cv::Mat> frames;  // slices or frames; 1 channel (CV_8U/16U/32F) or 3 (CV_8UC3/16UC3, BGR)
    int current = 0;              // frame shown and segmented
    ImageMetadata meta;

    const cv::Mat& pixels() const { return frames.at(current); }
    int frameCount() const { return static_cast<int>(frames.size()); }
    bool isMonochrome() const { return !frames.empty() && frames[0].channels() == 1; }
};

// The mask of one frame (slice) of an image, for writers that put several
// frames' masks in one file.
struct FrameMask {
    int frame = 0;
    cv::Mat mask;  // CV_8U, the frame's size as shown; > 0 is inside
};
// One label of a mask file that holds several: a DICOM SEG's segment (its number and label, "Left lung"), or a
// label map's value (name "label 2").
struct MaskLabel {
    int value = 0;
    std::string name;
    int colours = 0;  // a colour label map's (read by grey): the colours of this grey; over 1, classes merged
};
// "1 (Left lung), 2 (Right lung)": the labels a file holds, for messages.
std::string labelsText(const std::vector<MaskLabel>& labels);

// What a writer of several frames' masks to `path` refuses, as IoError naming
// it: none given, a frame outside `source`, a mask not its frame's size (or not
// the size of the others), a frame given twice.
void checkFrameMasks(const std::string& path, const std::vector<FrameMask>& masks, const Image& source);

// Normal of the image plane: row x column direction cosines (DICOM Image
// Orientation (Patient), LPS).
std::array<double, 3> sliceNormal(const std::array<double, 6>& orientation);
// LPS position of the current frame's first pixel: the slice's own in a
// series, else the first frame's plus current x slice spacing along the normal.
std::array<double, 3> currentFramePosition(const Image& image);
std::array<double, 3> framePosition(const Image& image, int frame);  // the same for another frame

// The patient directions (LPS unit vectors) that the shown slice's columns
// (left to right) and rows (top to bottom) run along: DICOM's Image
// Orientation (Patient), or a NIfTI affine's voxel axes after the turn.
// `known` is false for rasters and files without geometry.
struct ShownDirections {
    bool known = false;
    std::array<double, 3> right{}, down{};
};
ShownDirections shownDirections(const Image& image);
// A viewer's letters for a direction (LPS): "L", "R", "A", "P", "S", "I", or
// two or three of them, strongest first, for an oblique one ("LA").
std::string directionLetters(const std::array<double, 3>& lps);
// "axial", "coronal" or "sagittal" by the slice normal's strongest patient
// axis ("oblique" when none reaches cos 30 degrees); empty when not known.
std::string slicePlane(const Image& image);
// The letters for the left, top, right and bottom edges of the shown slice
// (axial: R, A, L, P); empty strings when the directions are not known.
std::array<std::string, 4> edgeLetters(const Image& image);

// SOP Instance UID of the current frame: the slice's own in a series, else the file's.
std::string currentSopInstanceUid(const Image& image);
std::string sopInstanceUidOf(const Image& image, int frame);
// The name of the file a frame comes from, as an annotation's image: a series slice's own
// file's name ("brain_011.dcm"), else the source file's name.
std::string frameFileName(const Image& image, int frame);
// Which frame of that file (0-based) a frame is, -1 when the file holds only one
// (a NIfTI volume's slice, a multi-page TIFF's page, a multi-frame DICOM's frame).
int frameInFile(const Image& image, int frame);
// DICOM Referenced Frame Number of the current frame within its SOP instance
// (1-based) when that instance has several frames; 0 for a single-frame instance
// or a non-DICOM image.
int currentInstanceFrameNumber(const Image& image);
int instanceFrameNumberOf(const Image& image, int frame);

// Standard CT windows (HU): lung, mediastinum, bone, brain, and "wide"
// (-1000..400 HU), the default for CT.
std::vector<Window> ctPresets();

// What the reader changed or left out that a user should know when the image opens: the first of several
// NIfTI volumes read, no geometry (and why), NaN / infinite values replaced. Empty when nothing.
std::vector<std::string> loadNotes(const Image& image);
// 0.5th..99.5th percentile window of a frame.
Window percentileWindow(const cv::Mat& frame);
// The "auto" window of the current frame: its percentile window, the DICOM Pixel Padding (meta.paddingLow
// .. paddingHigh) left out. (A 40% padding of -32768 made it -32768..1300: the anatomy squashed to white.)
Window autoWindow(const Image& image);
// All windows offered for this image: the file's, the CT presets for CT, "auto".
std::vector<Window> availableWindows(const Image& image);
// A pixel's height over its width, to draw the image to scale: from the row and
// column spacing, else the file's Pixel Aspect Ratio (ultrasound, secondary
// captures without spacing), else 1.
double pixelAspect(const Image& image);
// What output names add for the frame shown: "_frame12" on a volume or a
// multi-frame image (counted from 0, as --frame), "" on a single frame.
std::string frameTag(const Image& image);
std::string frameTag(const Image& image, int frame);
// What the name of a file holding several frames' masks adds: "_frames3-5_8"
// for frames 3, 4, 5 and 8 (ascending, each once).
std::string framesTag(const std::vector<int>& frames);
// The same frames as ranges for people to read: "3-5, 8" (`separator` between ranges).
std::string frameRanges(const std::vector<int>& frames, const std::string& separator = ", ");
// The default: CT -> "wide"; others -> the file's first window, else "auto";
// 8-bit photos -> none (values / 255).
Window defaultWindow(const Image& image);

// The current frame as CV_32F in [0, 1] for the segmenter: the given window
// (or meta.window) applied, MONOCHROME1 inverted; 8-bit without a window / 255.
cv::Mat normalizedForSegmentation(const Image& image);
cv::Mat normalizedForSegmentation(const Image& image, const Window& window);
// The same picture as CV_8U (255 x the above, to within one grey level), in
// one pass over the pixels: what a viewer draws while the window is dragged.
cv::Mat displayedFrame(const Image& image);
cv::Mat displayedFrame(const Image& image, const Window& window);

}  // namespace msf::io
