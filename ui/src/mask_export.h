#pragma once
// Writing the edited mask: the formats the export offers, the file names they
// take, and the provenance that goes beside the mask. No widgets.
#include <QString>

#include <opencv2/core.hpp>

#include <vector>

#include "msformer/io/annotation_writers.h"
#include "msformer/io/image.h"
#include "msformer/ui/mask_model.h"

namespace msf::ui {

struct ExportFormat {
    const char *filter, *suffix, *extension;  // dialog filter (untranslated), default name suffix, extension
};
// DICOM SEG, PNG, NIfTI, MetaImage, NRRD (3D Slicer's .seg.nrrd), COCO JSON, in the order the dialog lists them.
const std::vector<ExportFormat>& exportFormats();
// The default follows the input: DICOM SEG for DICOM, MetaImage for MetaImage, NRRD (.seg.nrrd) for NRRD,
// NIfTI for NIfTI, PNG for photos.
const ExportFormat& suggestedFormat(const io::Image& image);
// Whether `format` can be written for `image` (DICOM SEG needs a DICOM source).
bool offeredFor(const ExportFormat& format, const io::Image& image);

// Whether a mask file's name ends in one of the formats' extensions (the name decides the format written).
bool hasMaskExtension(const QString& path);
// `name` with `extension` in place of the mask extension it ends in, if any
// (Qt's file dialog swaps only the last suffix when the format is changed,
// leaving "x.gz" for NIfTI, "x.nii.png" or "x.seg.png" for PNG; a bare ".gz" or ".seg" is one of those).
QString withExtension(QString name, const QString& extension);

// What made the mask: the maps its picks were made on (one map gives its
// method and parameters; several are joined with " + ", their parameters
// prefixed "1.", "2.", ... in the order of the first pick on each), the picks,
// then every edit, in order.
io::Provenance provenanceOf(const MaskModel& mask, const std::string& softwareVersion);
// The same for several frames' masks in one file: the maps of all their picks
// (each once), and per frame (`provenance.frames`) its picks and edits; the
// window recorded is the one shown at the export.
io::Provenance provenanceOf(const std::vector<std::pair<int, const MaskModel*>>& frames, const io::Window& window,
                            const std::string& softwareVersion);
// Whether the format `path` names holds several frames' masks (NIfTI, MetaImage, NRRD, DICOM SEG, COCO).
bool holdsSeveralFrames(const QString& path);

// Writes `mask` to `path` in the format its extension names, then the
// provenance sidecar `<path>.provenance.json`. Throws io::IoError. Returns what the
// user should know of the file's form: for COCO, how the shape was written ("COCO
// polygons", "COCO run-length encoded: the mask has 2 holes, ..."), else empty.
// The provenance's target name (io::cleanTargetName's) names the target in a DICOM SEG (Segment Label), COCO
// (category) and NRRD (segment); PNG, NIfTI and MetaImage masks hold no name.
QString writeMaskWithProvenance(const QString& path, const cv::Mat& mask, const io::Image& source,
                                const io::Provenance& provenance, bool overwrite);
// Several frames' masks in one NIfTI, MetaImage or NRRD volume, one DICOM SEG or one COCO file (holdsSeveralFrames).
QString writeMaskWithProvenance(const QString& path, const std::vector<io::FrameMask>& masks, const io::Image& source,
                                const io::Provenance& provenance, bool overwrite);

}  // namespace msf::ui
