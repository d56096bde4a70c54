#include "mask_export.h"

#include <QFile>
#include <QFileInfo>
#include <QStringList>

#include <algorithm>
#include <functional>
#include <stdexcept>

#include "msformer/io/dicom_seg.h"
#include "msformer/io/mask_writer.h"
#include "msformer/io/metaimage_writer.h"
#include "msformer/io/nifti_io.h"
#include "msformer/io/nrrd_writer.h"

namespace msf::ui {

const std::vector<ExportFormat>& exportFormats() {
    static const std::vector<ExportFormat> formats = {
        {QT_TRANSLATE_NOOP("MainWindow", "DICOM SEG (*.dcm)"), "_seg.dcm", "dcm"},
        {QT_TRANSLATE_NOOP("MainWindow", "PNG (*.png)"), "_mask.png", "png"},
        {QT_TRANSLATE_NOOP("MainWindow", "NIfTI (*.nii.gz *.nii)"), "_mask.nii.gz", "nii.gz"},
        {QT_TRANSLATE_NOOP("MainWindow", "MetaImage (*.mha)"), "_mask.mha", "mha"},
        {QT_TRANSLATE_NOOP("MainWindow", "NRRD, 3D Slicer segmentation (*.seg.nrrd *.nrrd)"), "_mask.seg.nrrd", "seg.nrrd"},
        {QT_TRANSLATE_NOOP("MainWindow", "COCO JSON (*.json)"), "_mask.json", "json"}};
    return formats;
}

namespace {
const ExportFormat& formatWithExtension(const char* extension) {
    const auto& formats = exportFormats();
    return *std::find_if(formats.begin(), formats.end(),
                         [extension](const ExportFormat& f) { return QString(f.extension) == extension; });
}
}  // namespace

const ExportFormat& suggestedFormat(const io::Image& image) {
    // A DICOM file a SEG cannot be made of (no Study Instance UID, say): PNG; SEG stays offered, and says why.
    if (image.meta.format == "DICOM" && io::segSourceProblem(image).empty()) return formatWithExtension("dcm");
    // ITK's, Grand Challenge's and 3D Slicer's users stay in their format; other volumes get NIfTI, which keeps
    // their grid.
    if (image.meta.format == "MetaImage") return formatWithExtension("mha");
    if (image.meta.format == "NRRD") return formatWithExtension("seg.nrrd");
    return formatWithExtension(io::isVoxelVolume(image.meta) ? "nii.gz" : "png");
}

bool offeredFor(const ExportFormat& format, const io::Image& image) {
    return image.meta.format == "DICOM" || QString(format.extension) != "dcm";
}

bool hasMaskExtension(const QString& path) {
    for (const char* e : {".png", ".dcm", ".json", ".nii", ".nii.gz", ".mha", ".nrrd"})
        if (path.endsWith(e, Qt::CaseInsensitive)) return true;
    return false;
}

QString withExtension(QString name, const QString& extension) {
    bool hadOne = false;
    for (bool stripped = true; stripped;) {
        stripped = false;
        for (const QString known : {".nii.gz", ".nii", ".seg.nrrd", ".nrrd", ".mha", ".png", ".dcm", ".json", ".gz", ".seg"})
            if (name.size() > known.size() && name.endsWith(known, Qt::CaseInsensitive)) {
                name.chop(known.size());
                stripped = hadOne = true;
                break;
            }
    }
    return hadOne ? name + "." + extension : name;
}

namespace {
// Method and parameters of the maps picked from: one map's own, several joined.
void describeSources(const std::vector<PickSource>& sources, io::Provenance& prov) {
    if (sources.empty()) {
        prov.method = "none (drawn by hand)";
    } else if (sources.size() == 1) {
        prov.method = sources[0].method;
        prov.parameters = sources[0].parameters;
    } else {
        for (size_t i = 0; i < sources.size(); ++i) {
            prov.method += (i ? " + " : "") + sources[i].method;
            for (const auto& [key, value] : sources[i].parameters)
                prov.parameters[std::to_string(i + 1) + "." + key] = value;
        }
    }
}
}  // namespace

io::Provenance provenanceOf(const MaskModel& mask, const std::string& softwareVersion) {
    io::Provenance prov;
    describeSources(mask.pickSources(), prov);
    const QStringList steps = mask.steps(), picks = mask.steps(true);
    prov.clusters = picks.isEmpty() ? "none (drawn by hand)" : picks.join("; ").toStdString();
    prov.postProcessing = steps.isEmpty() ? "none" : steps.join("; ").toStdString();
    prov.softwareVersion = softwareVersion;
    return prov;
}

io::Provenance provenanceOf(const std::vector<std::pair<int, const MaskModel*>>& frames, const io::Window& window,
                            const std::string& softwareVersion) {
    std::vector<PickSource> sources;
    for (const auto& [frame, mask] : frames)
        for (const PickSource& s : mask->pickSources())
            if (std::find(sources.begin(), sources.end(), s) == sources.end()) sources.push_back(s);
    io::Provenance prov;
    describeSources(sources, prov);
    prov.clusters = prov.postProcessing = "per frame";
    prov.softwareVersion = softwareVersion;
    for (const auto& [frame, mask] : frames) {
        const io::Provenance one = provenanceOf(*mask, softwareVersion);
        prov.frames.push_back({frame, window, "picks: " + one.clusters + "; steps: " + one.postProcessing});
    }
    return prov;
}

bool holdsSeveralFrames(const QString& path) {
    for (const char* e : {".nii", ".nii.gz", ".mha", ".nrrd", ".dcm", ".json"})
        if (path.endsWith(e, Qt::CaseInsensitive)) return true;
    return false;
}

namespace {
// Writes the mask (`writeMask` returns how a COCO file's shapes were written, else empty), then its sidecar.
// A sidecar that fails takes a mask file new to the disk with it: no export without its provenance.
QString writeThenSidecar(const QString& path, const std::function<QString()>& writeMask, const io::Image& source,
                         const io::Provenance& provenance) {
    const bool existed = QFileInfo::exists(path);
    const QString form = writeMask();
    const std::string p = path.toStdString();
    try {
        io::writeProvenanceJson(p + ".provenance.json", source, provenance, {{"mask", p}}, true);
    } catch (const std::exception& e) {
        if (!existed && QFile::remove(path))
            throw std::runtime_error(std::string(e.what()) + "; " + p + ", written without it, is removed");
        throw;
    }
    return form;
}
}  // namespace

QString writeMaskWithProvenance(const QString& path, const std::vector<io::FrameMask>& masks, const io::Image& source,
                                const io::Provenance& provenance, bool overwrite) {
    const std::string p = path.toStdString();
    return writeThenSidecar(path, [&]() -> QString {
        if (path.endsWith(".dcm", Qt::CaseInsensitive)) {
            io::SegDescription d;
            d.segmentLabel = provenance.targetName;
            d.softwareVersion = provenance.softwareVersion;  // (it said 0.1.0, SegDescription's default)
            io::writeDicomSeg(p, masks, source, d, overwrite);
        } else if (path.endsWith(".json", Qt::CaseInsensitive)) {
            return "COCO " + QString::fromStdString(io::writeCocoJson(p, masks, source, provenance.targetName, overwrite).text());
        } else if (path.endsWith(".mha", Qt::CaseInsensitive)) {
            io::writeMetaImageMask(p, masks, source, overwrite);
        } else if (path.endsWith(".nrrd", Qt::CaseInsensitive)) {
            io::writeNrrdMask(p, masks, source, overwrite, provenance.targetName);
        } else {
            io::writeNiftiMask(p, masks, source, overwrite);
        }
        return {};
    }, source, provenance);
}

QString writeMaskWithProvenance(const QString& path, const cv::Mat& mask, const io::Image& source,
                                const io::Provenance& provenance, bool overwrite) {
    // A format that holds several frames' masks holds this one frame's as it holds several.
    if (holdsSeveralFrames(path))
        return writeMaskWithProvenance(path, std::vector<io::FrameMask>{{source.current, mask}}, source, provenance,
                                       overwrite);
    return writeThenSidecar(path, [&]() -> QString {
        io::writeMaskPng(path.toStdString(), mask, overwrite);
        return {};
    }, source, provenance);
}

}  // namespace msf::ui
