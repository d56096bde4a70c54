// msformer fill IMAGE --mask MASK -o OUT: the slices between a mask's annotated slices filled (the app's Ctrl+I).
#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QTextStream>

#include <map>

#include "commands.h"
#include "method_options.h"
#include "msformer/io/annotation_writers.h"
#include "msformer/io/atomic_write.h"
#include "msformer/io/dicom_seg.h"
#include "msformer/io/image_loader.h"
#include "msformer/io/io_error.h"
#include "msformer/io/metaimage_writer.h"
#include "msformer/io/nrrd_writer.h"
#include "msformer/io/target_name.h"
#include "msformer/io/nifti_io.h"
#include "msformer/runtime_info.h"
#include "msformer/slice_interpolation.h"
#include "wording.h"

int runFill(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(
        "Fill the slices between the annotated slices of a mask: every slice lying between two slices with a mask, "
        "and without one of its own, gets the shape interpolated between those two (their signed distance maps "
        "blended), as the app's Edit > Fill between slices. Writes one NIfTI volume (.nii, .nii.gz), MetaImage "
        "(.mha), NRRD (.seg.nrrd, .nrrd) or DICOM SEG (.dcm, DICOM images only) with the kept and the filled slices, and its provenance sidecar.");
    p.addHelpOption();
    p.addPositionalArgument("image", "The image the mask belongs to: a DICOM series folder, a NIfTI, NRRD or "
                                     "MetaImage volume or a multi-frame file.", "IMAGE");
    p.addOptions({{"mask", "The mask with some slices annotated (NIfTI, NRRD, MetaImage, DICOM SEG, multi-page "
                            "TIFF).", "MASK"},
                  {{"o", "output"}, "Output file: .nii, .nii.gz, .mha, .seg.nrrd, .nrrd or .dcm (DICOM SEG).", "OUT"},
                  {"label", "A label map or a DICOM SEG of several segments: fill this label (value, or segment "
                            "number) only, not every non-zero one.", "N"},
                  {"series", "DICOM folder with several series: the Series Instance UID to read.", "UID"},
                  {"target-name", "What a DICOM SEG or .seg.nrrd output calls the target (default: target).", "NAME"},
                  {"force", "Overwrite existing output files."}});
    if (!p.parse(QStringList{"msformer fill"} + args)) return fail("fill", p.errorText(), 2);
    if (p.isSet("help")) return printHelp(p, "fill");
    if (p.positionalArguments().size() != 1 || !p.isSet("mask") || !p.isSet("output"))
        return fail("fill", "usage: fill IMAGE --mask MASK -o OUT", 2);
    const QString imagePath = p.positionalArguments().front(), maskPath = p.value("mask"), outPath = p.value("output");
    const bool seg = outPath.endsWith(".dcm", Qt::CaseInsensitive);
    const bool mha = msf::io::looksLikeMetaImageMask(outPath.toStdString());
    const bool nrrd = msf::io::looksLikeNrrdMask(outPath.toStdString());
    if (!seg && !mha && !nrrd && !outPath.endsWith(".nii", Qt::CaseInsensitive) &&
        !outPath.endsWith(".nii.gz", Qt::CaseInsensitive))
        return fail("fill", outPath + ": the output is a NIfTI volume (.nii, .nii.gz), a MetaImage (.mha), a NRRD "
                                      "(.seg.nrrd, .nrrd) or a DICOM SEG (.dcm)", 2);
    int label = 0;
    if (const QString e = readMaskLabelOption(p, "label", &label); !e.isEmpty()) return fail("fill", e, 2);
    const bool force = p.isSet("force");
    const std::string targetName = msf::io::cleanTargetName(p.value("target-name").toStdString());
    bool newMaskWritten = false;  // the mask file is this run's own: removed if its sidecar then fails
    try {
        const std::string out = outPath.toStdString(), provenancePath = out + ".provenance.json";
        msf::io::checkWritable(out, force);
        msf::io::checkWritable(provenancePath, force);
        msf::io::LoadOptions options;
        options.seriesUid = p.value("series").toStdString();
        const msf::io::Image image = msf::io::loadImage(imagePath.toStdString(), options);
        if (const std::string problem = seg ? msf::io::segSourceProblem(image) : std::string(); !problem.empty())
            throw msf::io::IoError(out, "a DICOM SEG " + problem);
        if (image.frameCount() < 3)
            throw msf::io::IoError(imagePath.toStdString(), "has " + counted(image.frameCount(), "frame").toStdString() +
                                                                ": no slice can lie between two others");
        msf::io::checkMaskLabel(maskPath.toStdString(), label);
        // Without --label a file of several labels is filled as one mask (every non-zero pixel): say so.
        if (const auto labels = label > 0 ? std::vector<msf::io::MaskLabel>{} : msf::io::maskLabels(maskPath.toStdString());
            labels.size() > 1)
            QTextStream(stdout) << QFileInfo(maskPath).fileName() << ": note: holds labels "
                                << QString::fromStdString(msf::io::labelsText(labels))
                                << ": filled as one mask, all of them together (--label N fills one)\n";
        const std::vector<cv::Mat> frames = msf::io::loadMaskFrames(maskPath.toStdString(), image, label);
        std::map<int, cv::Mat> kept;  // the annotated slices (loadMaskFrames has checked their sizes)
        for (int f = 0; f < int(frames.size()); ++f)
            if (!frames[f].empty() && cv::countNonZero(frames[f]) > 0) kept[f] = frames[f];
        std::vector<int> keptFrames, filledFrames;
        for (const auto& entry : kept) keptFrames.push_back(entry.first);
        if (kept.size() < 2)
            throw msf::io::IoError(maskPath.toStdString(), "masks on " + counted(long(kept.size()), "slice").toStdString() +
                                                               (kept.empty() ? "" : " (" + msf::io::frameRanges(keptFrames) + ")") +
                                                               ": filling between slices needs two");
        // Every frame of the output, in frame order: its mask and how it came.
        const std::string maskName = QFileInfo(maskPath).fileName().toStdString();
        std::map<int, std::pair<cv::Mat, std::string>> written;
        for (const auto& [f, m] : kept) written[f] = {m, "kept from " + maskName};
        for (const msf::mask::FilledSlice& s : msf::mask::fillBetweenSlices(kept)) {
            written[s.frame] = {s.mask, "filled between frames " + std::to_string(s.from) + " and " + std::to_string(s.to)};
            filledFrames.push_back(s.frame);
        }
        std::vector<msf::io::FrameMask> masks;
        std::vector<msf::io::Provenance::Frame> perFrame;
        for (const auto& [f, entry] : written) {
            masks.push_back({f, entry.first});
            perFrame.push_back({f, image.meta.window, entry.second});
        }

        const std::string version = msf::runtimeInfo().engineVersion;
        const bool maskExisted = QFileInfo::exists(outPath);
        if (seg) {
            msf::io::SegDescription d;
            d.softwareVersion = version;
            d.segmentLabel = targetName;
            msf::io::writeDicomSeg(out, masks, image, d, force);
        } else if (mha) {
            msf::io::writeMetaImageMask(out, masks, image, force);
        } else if (nrrd) {
            msf::io::writeNrrdMask(out, masks, image, force, targetName);
        } else {
            msf::io::writeNiftiMask(out, masks, image, force);
        }
        newMaskWritten = !maskExisted;
        msf::io::Provenance prov;
        prov.method = "interpolated between slices";
        prov.parameters = {{"mask", maskPath.toStdString()}};
        if (label > 0) prov.parameters["label"] = std::to_string(label);
        prov.clusters = "per frame";
        prov.postProcessing = "the slices between annotated slices filled (signed distance maps blended)";
        prov.softwareVersion = version;
        prov.targetName = targetName;
        prov.frames = perFrame;
        msf::io::writeProvenanceJson(provenancePath, image, prov, {{"mask", out}}, force);

        QTextStream(stdout) << imagePath << ": " << QFileInfo(maskPath).fileName() << " has masks on frames "
                              << QString::fromStdString(msf::io::frameRanges(keptFrames)) << " (of 0-"
                              << image.frameCount() - 1 << ")\n  filled "
                              << (filledFrames.empty() ? QString("nothing: no slice lies between them")
                                                       : "frames " + QString::fromStdString(msf::io::frameRanges(filledFrames)) +
                                                             " (" + counted(long(filledFrames.size()), "frame") + ")")
                              << "\n  wrote " << outPath << "\n  wrote " << QString::fromStdString(provenancePath) << "\n";
    } catch (const std::exception& e) {
        QString what = QString::fromStdString(e.what());
        if (newMaskWritten && QFile::remove(outPath)) what += "; " + outPath + ", written without it, is removed";
        return fail("fill", what.startsWith(imagePath) || what.startsWith(maskPath) || what.startsWith(outPath)
                                ? what
                                : imagePath + ": " + what);
    }
    return 0;
}
