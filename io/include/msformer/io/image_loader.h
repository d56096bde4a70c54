#pragma once
// Loading any supported file or DICOM folder. Blocking: call it from a worker,
// never from a UI thread.
#include <array>
#include <string>
#include <vector>

#include "msformer/io/dicom_reader.h"
#include "msformer/io/image.h"
#include "msformer/io/load_cancel.h"

namespace msf::io {

struct LoadOptions {
    std::string seriesUid;  // DICOM folder with several series: which one
    std::string seriesOfFile;  // ... or the one this file of the folder belongs to (several of its files dropped)
    int frame = -1;         // frame / slice to make current (-1: the reader's default)
    // Read as a mask: NaN and infinite values are 0 (outside), not the lowest finite value (a probability
    // map's 0.5 would be inside).
    bool asMask = false;
    // Asked between a DICOM folder's files and a volume's chunks (NIfTI, MetaImage, gzip NRRD): true stops the
    // load with LoadCancelled (the app's load of a series it no longer wants). Other files are read whole.
    CancelCheck cancelled;
    // Told each slice of a DICOM series read, each part of a multi-frame DICOM file's frames decoded, and each
    // 16 MB of a NIfTI's (in its slices): the app's "Loading X: 120 of 600 slices".
    LoadProgress progress;
    // A DICOM folder's series as listDicomSeries has listed them (the app lists them first, to ask which one):
    // the folder is not walked again. Empty: walked by the load.
    std::vector<DicomSeries> series;
};

// By content: a folder -> DICOM series; .nii/.nii.gz -> NIfTI; DICOM (extension
// or "DICM" magic) -> DCMTK; anything else -> OpenCV raster formats.
// Throws IoError naming the file and the problem.
Image loadImage(const std::string& path, const LoadOptions& options = {});

// Raster formats OpenCV decodes (PNG, JPEG, BMP, TIFF), EXIF orientation applied.
Image readRaster(const std::string& path);

// Which part of a mask file goes with the frame an image shows.
struct MaskFrame {
    int frame = -1;                     // volume masks: this slice (-1: the reader's default)
    std::string sopInstanceUid;         // DICOM SEG: its frames that refer to this instance
    int instanceFrameNumber = 0;        // ... and to this frame of it (1-based; 0: a single-frame instance)
    std::vector<std::string> seriesSopInstanceUids;  // ... within the image's instances
    // A NIfTI mask lies on its image's voxel grid: it is shown turned as the
    // image is (as stored for DICOM), whatever its own header says.
    bool ofAnImage = false;             // set by maskFrameFor
    SliceTurn niftiTurn;                // the image's turn
    int label = 0;                      // > 0: only this label's pixels (a label map's value, a SEG's segment)
    int imageFrames = 0;                // set by maskFrameFor: a mask file of several frames must have as many
    // Set by maskFrameFor for a NIfTI or NRRD image with an affine: a mask volume on a box of its grid (3D
    // Slicer saves a segmentation cropped to its segments) is put on the whole grid.
    bool imageHasAffine = false;
    std::array<std::array<double, 4>, 4> imageAffine{};  // voxel -> RAS, in imageXyzUnits
    int imageXyzUnits = 0;
    std::array<int, 3> imageDims{};     // as stored: nx, ny, nz
};
MaskFrame maskFrameFor(const Image& image);

// A binary mask file (any format above, or a DICOM SEG): non-zero = inside (with `which.label`, that value or
// segment only); CV_8U 0 / 255 of the given frame.
cv::Mat loadMask(const std::string& path, const MaskFrame& which);
cv::Mat loadMask(const std::string& path, int frame = -1);
// The mask of every frame of `image` from one read of the file, as loadMask
// gives each: a DICOM SEG's frames referring to each frame, a volume's slices.
// A file of one frame (PNG, a one-slice NIfTI) gives the current frame's
// mask, the other entries empty. Throws IoError naming the file (another
// number of frames, masks of another size, a SEG of other images, not a mask).
// `label` > 0: that label's pixels only, as MaskFrame::label.
std::vector<cv::Mat> loadMaskFrames(const std::string& path, const Image& image, int label = 0);

// The labels a mask file holds, ascending: a DICOM SEG's segments; a label map's (PNG, TIFF, NIfTI, DICOM) distinct
// non-zero whole values over every frame, named "label N" (at most 1024, and at least half of the horizontal
// neighbours inside agreeing). An intensity image, a skull-stripped brain, has none: every non-zero pixel is
// inside. Throws IoError naming the file.
std::vector<MaskLabel> maskLabels(const std::string& path);
// Throws IoError naming the file when `label` > 0 is not among its maskLabels.
void checkMaskLabel(const std::string& path, int label);

}  // namespace msf::io
