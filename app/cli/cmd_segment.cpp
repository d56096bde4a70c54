// msformer segment IMAGE... : cluster map, label map and target mask per image.
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QTextStream>

#include <unistd.h>

#include <filesystem>
#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "commands.h"
#include "image_input.h"
#include "msformer/io/annotation_writers.h"
#include "msformer/io/metaimage_writer.h"
#include "msformer/io/nrrd_writer.h"
#include "msformer/io/target_name.h"
#include "msformer/io/nifti_io.h"
#include "msformer/io/dicom_reader.h"
#include "msformer/io/dicom_seg.h"
#include "method_options.h"
#include "msformer/cluster_colours.h"
#include "msformer/mask_ops.h"
#include "msformer/io/atomic_write.h"
#include "msformer/io/dataset_pairs.h"
#include "msformer/io/image_loader.h"
#include "msformer/io/io_error.h"
#include "msformer/io/mask_writer.h"
#include "msformer/mat_convert.h"
#include "msformer/runtime_info.h"
#include "msformer/segmenter.h"
#include "msformer/target_selection.h"
#include "progress_printer.h"
#include "wording.h"

namespace {

struct TargetChoice {
    enum Kind { None, Auto, Cluster, Click } kind = Auto;
    int cluster = -1;
    cv::Point click;
};

bool parseTarget(const QString& s, TargetChoice* t) {
    if (s == "none") t->kind = TargetChoice::None;
    else if (s == "auto") t->kind = TargetChoice::Auto;
    else if (s.startsWith("click:")) {
        const QStringList xy = s.mid(6).split(',');
        bool okX = false, okY = false;
        if (xy.size() == 2) t->click = {xy[0].toInt(&okX), xy[1].toInt(&okY)};
        if (!(okX && okY)) return false;
        t->kind = TargetChoice::Click;
    } else {
        bool ok = false;
        t->cluster = s.toInt(&ok);
        if (!ok || t->cluster < 0) return false;
        t->kind = TargetChoice::Cluster;
    }
    return true;
}

// One image to segment: a file, a DICOM folder's only series or one of its
// several series, and the stem its outputs are named after.
struct Input {
    QString path;
    std::string seriesUid;  // one series of a folder that holds several
    QString stem;
    bool file = false;  // an image file, left out if the batch holds it already
    // A DICOM folder's series as listed here (shared by the inputs of a folder of several): read from this
    // listing, the folder not walked again for each of them.
    std::shared_ptr<const std::vector<msf::io::DicomSeries>> listed = nullptr;
    QString label() const {
        return seriesUid.empty() ? path : QString("%1 (series %2)").arg(path, QString::fromStdString(seriesUid));
    }
};

QString stemOf(const std::string& path) { return QString::fromStdString(msf::io::fileStem(path)); }

// A folder holding several DICOM series is a batch of them (unless --series
// picks one): a single-file series is named after its file, a larger one after
// its folder (one echo or time point of a series split so: _echo1, _time3, ...); names that would repeat get _s1, _s2, ... in
// listing order.
std::vector<Input> seriesInputs(const QString& folder, const std::vector<msf::io::DicomSeries>& series) {
    std::vector<Input> inputs;
    std::map<QString, int> uses;
    for (const auto& s : series) {
        QString stem = s.files.size() == 1 ? stemOf(s.files.front())
                                           : stemOf(std::filesystem::path(s.files.front()).parent_path().string());
        if (s.echoes > 1) stem += QString("_echo%1").arg(s.echo);  // one echo of a series that holds several
        if (s.timePoints > 1) stem += QString("_time%1").arg(s.timePoint);  // ... or one time point
        inputs.push_back({folder, s.uid, stem});
        ++uses[stem];
    }
    std::map<QString, int> numbered;
    for (auto& in : inputs)
        if (uses[in.stem] > 1) in.stem += QString("_s%1").arg(++numbered[in.stem]);
    return inputs;
}

std::string canonical(const std::string& path) {
    std::error_code ec;
    const auto c = std::filesystem::weakly_canonical(path, ec);
    return ec ? path : c.string();
}

// What the batch already holds: a series is segmented once, however often it was named (a CD's DICOMDIR and
// its DICOM folder both stand for its series, `segment CD/*` names both), and a file is not segmented on its
// own when it is a slice of a series in the batch.
class BatchContents {
public:
    bool addSeries(const msf::io::DicomSeries& s) {
        std::vector<std::string> files;
        for (const auto& f : s.files) files.push_back(canonical(f));
        std::sort(files.begin(), files.end());
        if (!series_.insert(files).second) return !++repeats_;
        slices_.insert(files.begin(), files.end());
        return true;
    }
    // Whether the file is new to the batch; called once every series is in.
    bool addFile(const QString& path) {
        const std::string c = canonical(path.toStdString());
        if (slices_.count(c) || !files_.insert(c).second) return !++repeats_;
        return true;
    }
    int repeats() const { return repeats_; }

private:
    std::set<std::vector<std::string>> series_;
    std::set<std::string> slices_, files_;
    int repeats_ = 0;
};

// Folders that hold no DICOM image stand for the image files in them; folders
// with several series for each series; a DICOMDIR for its folder.
std::vector<Input> expandFolders(const QStringList& paths, bool seriesChosen, int* failures) {
    std::vector<Input> inputs;
    BatchContents batch;
    for (const QString& given : paths) {
        const std::string folder = msf::io::dicomFolderOf(given.toStdString());  // a folder, or a DICOMDIR's
        if (folder.empty()) {
            inputs.push_back({given, {}, stemOf(given.toStdString()), true});
            continue;
        }
        const QString path = QString::fromStdString(folder);
        try {
            const auto listed = std::make_shared<const std::vector<msf::io::DicomSeries>>(
                msf::io::listDicomSeries(path.toStdString()));
            const auto& series = *listed;
            if (series.size() == 1 || (!series.empty() && seriesChosen)) {
                // --series picks its series later: the folder is kept once, whichever series it holds.
                if (seriesChosen ? batch.addFile(path) : batch.addSeries(series.front()))
                    inputs.push_back({path, {}, stemOf(path.toStdString()), false, listed});
                continue;
            }
            if (series.size() > 1) {
                // Numbered over the folder's whole listing, so a series is named alike however it was reached.
                auto each = seriesInputs(path, series);
                for (size_t i = 0; i < series.size(); ++i)
                    if (batch.addSeries(series[i])) {
                        each[i].listed = listed;
                        inputs.push_back(each[i]);
                    }
                continue;
            }
            std::vector<std::string> others;
            const auto files = msf::io::imageFilesIn(path.toStdString(), &others);
            if (files.empty()) {
                const std::string dicom = msf::io::dicomFilesWithoutImage(path.toStdString());
                throw msf::io::IoError(path.toStdString(), "no image files in this folder (PNG, JPEG, BMP, TIFF, WebP, "
                                                           "PNM, NIfTI, NRRD, MetaImage or DICOM)" + (dicom.empty() ? "" : ", only " + dicom));
            }
            for (const auto& f : files) inputs.push_back({QString::fromStdString(f), {}, stemOf(f), true});
            if (!others.empty())
                QTextStream(stderr) << "msformer segment: " << path << ": skipped "
                                    << counted(static_cast<long long>(others.size()), "non-image file") << ", e.g. "
                                    << QFileInfo(QString::fromStdString(others.front())).fileName() << "\n";
        } catch (const std::exception& e) {
            ++*failures;
            fail("segment", QString::fromStdString(e.what()));
        }
    }
    std::vector<Input> kept;
    for (Input& in : inputs)
        if (!in.file || batch.addFile(in.path)) kept.push_back(std::move(in));
    if (batch.repeats())
        QTextStream(stderr) << "msformer segment: left out " << counted(batch.repeats(), "input")
                            << " already in the batch (a series named again, or a slice of a series segmented "
                               "whole); each is segmented once\n";
    return kept;
}

msf::io::SegDescription segDescription(const std::string& softwareVersion, const std::string& targetName) {
    msf::io::SegDescription d;
    d.softwareVersion = softwareVersion;
    d.segmentLabel = targetName;
    return d;
}

}  // namespace

int runSegment(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(
        "Segment images without training data. Writes <stem>_<method>_clusters.png (colour), "
        "<stem>_<method>_labels.png (16-bit cluster ids) and, with a target, <stem>_<method>_mask.png "
        "(0/255), all at the image's original size. A volume's or multi-frame image's <stem> ends in "
        "_frame<N>, the frame segmented (counted from 0, as --frame). Several frames (--frame 3-7, all) also give "
        "one NIfTI volume, one MetaImage, one NRRD, one DICOM SEG and one COCO file holding every frame's mask (--export "
        "nifti, mha, nrrd, seg, coco), named "
        "<stem>_frames3-7_<method>_... (<stem>_<method>_... for all).");
    p.addHelpOption();
    p.addPositionalArgument("images",
                            "Image files or folders. A folder of DICOM files is one image (its series); with "
                            "several series, each series (or the one --series names). Any other folder is a batch: "
                            "each image file directly in it (PNG, JPEG, BMP, TIFF, NIfTI, NRRD, MetaImage).",
                            "IMAGE...");
    p.addOptions({
        {{"o", "output"}, "Output folder (default: current folder).", "DIR"},
        {"method", "msformer or kmeans (default msformer).", "M"},
        {"target", "none, auto (default: the dark enclosed region), a cluster ID, or click:X,Y "
                   "(the region under that pixel of the original image).", "T"},
        {"force", "Overwrite existing output files."},
        {"progress", "Print one line per iteration even when stderr is not a terminal."},
        {"quiet", "No per-iteration lines."},
        {"follow", "With several frames: each frame after the first takes the regions of its map lying at least "
                   "half inside the previous frame's mask (the app's N), so a target clicked on the first frame "
                   "follows through the volume; where the previous mask is empty, --target chooses again."},
        {"export", "Mask formats besides the cluster and label maps: png, seg (DICOM SEG, DICOM input only), "
                   "nifti, mha (MetaImage, as ITK and Grand Challenge read it), nrrd (3D Slicer's .seg.nrrd), coco "
                   "(comma-separated; default png). "
                   "A provenance JSON sidecar is written with every mask.", "LIST"},
        {"target-name", "What the masks call the target (default: target): a DICOM SEG's Segment Label, the COCO "
                        "category, the .seg.nrrd segment.", "NAME"},
    });
    addMethodOptions(p);
    addImageInputOptions(p, true);
    if (!p.parse(QStringList{"msformer segment"} + args)) return fail("segment", p.errorText(), 2);
    if (p.isSet("help")) return printHelp(p, "segment");
    if (p.positionalArguments().isEmpty()) return fail("segment", "no image given (see --help)", 2);
    MethodOptions opt;
    if (const QString e = readMethodOptions(p, &opt); !e.isEmpty()) return fail("segment", e, 2);
    const QString method = p.isSet("method") ? p.value("method") : "msformer";
    if (method != "msformer" && method != "kmeans")
        return fail("segment", QString("--method must be msformer or kmeans, got '%1'").arg(method), 2);
    TargetChoice target;
    if (p.isSet("target") && !parseTarget(p.value("target"), &target))
        return fail("segment", QString("--target must be none, auto, a cluster id or click:X,Y, got '%1'")
                                   .arg(p.value("target")), 2);
    const QString outDir = p.isSet("output") ? p.value("output") : QDir::currentPath();
    if (!QDir().mkpath(outDir)) return fail("segment", outDir + ": cannot create the output folder");
    const bool force = p.isSet("force");
    const std::string targetName = msf::io::cleanTargetName(p.value("target-name").toStdString());
    const bool progress = !p.isSet("quiet") && (p.isSet("progress") || isatty(STDERR_FILENO));
    const QStringList exports = (p.isSet("export") ? p.value("export") : "png").split(',', Qt::SkipEmptyParts);
    for (const QString& e : exports)
        if (e != "png" && e != "nifti" && e != "mha" && e != "nrrd" && e != "coco" && e != "seg")
            return fail("segment", QString("--export: unknown format '%1' (png, seg, nifti, mha, nrrd, coco)").arg(e), 2);

    FrameSelection frames;
    if (const QString e = parseFrameSelection(p.value("frame"), &frames); !e.isEmpty()) return fail("segment", e, 2);
    const bool follow = p.isSet("follow");
    if (follow && (frames.empty() || target.kind == TargetChoice::None))
        return fail("segment", "--follow needs several frames (--frame A-B, a list or all) and a --target", 2);

    // Once, not per frame: runtimeInfo() also looks for the device and the BLAS.
    const std::string version = msf::runtimeInfo().engineVersion;
    int failures = 0;
    const auto inputs = expandFolders(p.positionalArguments(), p.isSet("series"), &failures);
    QTextStream out(stdout);
    std::map<QString, QString> inputOfStem;  // two inputs named alike would write the same output files
    for (const Input& item : inputs) {
        const QString& path = item.path;
        const QString base = QDir(outDir).filePath(item.stem + "_" + method);
        if (const auto [it, isNew] = inputOfStem.emplace(base, item.label()); !isNew) {
            ++failures;
            fail("segment", item.label() + ": its outputs would have the same names as those of " + it->second +
                                " (" + base + "_*); segment it into another --output folder");
            continue;
        }
        // The outputs this input may write that were not there before: a failure part-way removes those
        // written, so no half set is left (and a second try needs no --force).
        std::vector<std::string> newOutputs;
        const auto plan = [&newOutputs, force](const std::string& file) {
            msf::io::checkWritable(file, force);
            if (!QFileInfo::exists(QString::fromStdString(file))) newOutputs.push_back(file);
        };
        try {
            LoadedInput input = loadInput(path, p, frames.empty() ? -2 : -1, item.seriesUid,
                                          item.listed ? *item.listed : std::vector<msf::io::DicomSeries>{});
            msf::io::Image& image = input.image;
            const std::vector<int> chosenFrames =
                frames.empty() ? std::vector<int>{image.current} : frames.resolve(image.frameCount(), path);
            // Several frames: each frame's maps and PNG, and one NIfTI, MetaImage, NRRD, SEG and COCO file for them all.
            const bool volume = chosenFrames.size() > 1;
            const auto frameStem = [&](int frame) {
                // A volume's or a multi-frame image's outputs name their frame, as the app's exports do, so
                // that segmenting another slice into the same folder does not replace them.
                return QDir(outDir).filePath(item.stem + QString::fromStdString(msf::io::frameTag(image, frame)) + "_" +
                                             method);
            };
            const auto maskPathsOf = [&](const QString& stem, bool perFrame) {
                std::map<std::string, std::string> paths;  // format -> path
                if (target.kind == TargetChoice::None) return paths;
                if (perFrame && exports.contains("png")) paths["png"] = (stem + "_mask.png").toStdString();
                if (perFrame == !volume && exports.contains("coco")) paths["coco"] = (stem + "_coco.json").toStdString();
                if (perFrame == !volume && exports.contains("nifti")) paths["nifti"] = (stem + "_mask.nii.gz").toStdString();
                if (perFrame == !volume && exports.contains("mha")) paths["mha"] = (stem + "_mask.mha").toStdString();
                if (perFrame == !volume && exports.contains("nrrd")) paths["nrrd"] = (stem + "_mask.seg.nrrd").toStdString();
                if (perFrame == !volume && exports.contains("seg")) paths["seg"] = (stem + "_seg.dcm").toStdString();
                if (perFrame || !paths.empty()) paths["provenance"] = (stem + "_provenance.json").toStdString();
                return paths;
            };
            const QString volumeStem = QDir(outDir).filePath(
                item.stem + (frames.all ? QString() : QString::fromStdString(msf::io::framesTag(chosenFrames))) + "_" +
                method);
            const auto volumePaths = volume ? maskPathsOf(volumeStem, false) : std::map<std::string, std::string>{};
            // Every output is checked before the first run, and what the image itself rules out is refused, so
            // a refused target or format leaves no maps and no mask without its sidecar.
            for (const auto& [format, file] : volumePaths) plan(file);
            if (volumePaths.count("nifti")) msf::io::checkNiftiVolume(volumePaths.at("nifti"), image);
            if (volumePaths.count("mha")) msf::io::checkMetaImageVolume(volumePaths.at("mha"), image);
            if (volumePaths.count("nrrd")) msf::io::checkNrrdVolume(volumePaths.at("nrrd"), image);
            for (const int frame : chosenFrames) {
                const QString stem = frameStem(frame);
                plan((stem + "_clusters.png").toStdString());
                plan((stem + "_labels.png").toStdString());
                for (const auto& [format, file] : maskPathsOf(stem, true)) plan(file);
            }
            const cv::Size size = image.frames.front().size();
            if (target.kind == TargetChoice::Click && !cv::Rect({0, 0}, size).contains(target.click))
                throw msf::io::IoError(path.toStdString(), "click point (" + std::to_string(target.click.x) + ", " +
                                                               std::to_string(target.click.y) + ") is outside the " +
                                                               std::to_string(size.width) + " x " +
                                                               std::to_string(size.height) + " image");
            if (exports.contains("seg") && target.kind != TargetChoice::None)
                if (const std::string problem = msf::io::segSourceProblem(image); !problem.empty())
                    throw msf::io::IoError(path.toStdString(), "--export seg " + problem);

            // "  wrote FILE" for each output, the COCO file saying how its shapes were written.
            const auto printWritten = [&out](const std::map<std::string, std::string>& paths, const std::string& cocoForm) {
                for (const auto& [format, file] : paths)
                    out << "  wrote " << QString::fromStdString(file)
                        << (format == "coco" ? QString(" (%1)").arg(QString::fromStdString(cocoForm)) : QString()) << "\n";
            };
            // The mask files of `paths` (its sidecar aside) for `masks`, one frame's or the volume's; returns how a
            // COCO file's shapes were written.
            const auto writeMaskFiles = [&](const std::map<std::string, std::string>& paths,
                                            const std::vector<msf::io::FrameMask>& masks) {
                std::string cocoForm;
                for (const auto& [format, file] : paths) {
                    if (format == "png") msf::io::writeMaskPng(file, masks.front().mask, force);
                    else if (format == "nifti") msf::io::writeNiftiMask(file, masks, image, force);
                    else if (format == "mha") msf::io::writeMetaImageMask(file, masks, image, force);
                    else if (format == "nrrd") msf::io::writeNrrdMask(file, masks, image, force, targetName);
                    else if (format == "seg")
                        msf::io::writeDicomSeg(file, masks, image, segDescription(version, targetName), force);
                    else if (format == "coco") cocoForm = msf::io::writeCocoJson(file, masks, image, targetName, force).text();
                }
                return cocoForm;
            };
            printReaderNotes(out, item.label(), image);
            std::vector<msf::io::FrameMask> volumeMasks;
            msf::io::Provenance volumeProvenance;
            cv::Mat previousMask;  // --follow: the last frame's mask
            int previousFrame = -1;
            for (const int frame : chosenFrames) {
                if (!frames.empty()) selectFrame(input, frame, path, p);
                const auto& buffer = input.buffer;
                const QString stem = frameStem(frame);
                const std::string clustersPath = (stem + "_clusters.png").toStdString();
                const std::string labelsPath = (stem + "_labels.png").toStdString();
                auto maskPaths = maskPathsOf(stem, true);
                out << item.label() << ": " << buffer.width << "x" << buffer.height << ", "
                    << counted(buffer.channels, "channel") << ", " << method;
                if (image.frameCount() > 1) out << ", frame " << frame << " (of 0-" << image.frameCount() - 1 << ")";
                out << "\n";
                out.flush();
                msf::SegmentationResult r;
                if (method == "kmeans") {
                    r = msf::runKMeans(buffer, opt.kmeans);
                } else {
                    msf::Segmenter seg(opt.msformer);
                    seg.setObserver(progressPrinter(progress, opt.msformer.maxIterations));
                    r = seg.run(buffer);
                }
                const cv::Mat labels = msf::toMat(r.original);
                msf::io::writePng(clustersPath, msf::colourizeLabels(labels), force);
                msf::io::writeLabelPng(labelsPath, labels, force);
                out << "  " << counted(r.clusterCount, "cluster");
                if (method != "kmeans")
                    out << " after " << counted(static_cast<long long>(r.history.size()), "iteration")
                        << (r.stoppedEarly ? " (early stop)" : "");
                out << ", " << QString::number(r.totalMilliseconds / 1000.0, 'f', 2)
                    << " s on " << QString::fromStdString(r.device) << "\n";
                out << "  wrote " << QString::fromStdString(clustersPath) << "\n  wrote " << QString::fromStdString(labelsPath) << "\n";
                if (target.kind == TargetChoice::None) continue;
                msf::TargetSelection sel;
                const bool following = follow && previousFrame >= 0 && cv::countNonZero(previousMask) > 0;
                if (following) {
                    sel = msf::selectLikeMask(labels, previousMask);
                } else if (target.kind == TargetChoice::Auto) {
                    sel = msf::selectAutomatic(labels, msf::toGrey(buffer));
                } else if (target.kind == TargetChoice::Click) {
                    sel = msf::selectByClicks(labels, {target.click});
                } else {
                    if (target.cluster >= r.clusterCount)
                        throw msf::io::IoError(path.toStdString(), "cluster " + std::to_string(target.cluster) +
                                                                       " does not exist (0.." + std::to_string(r.clusterCount - 1) + ")");
                    sel.mask = labels == target.cluster;
                    sel.clusters = {target.cluster};
                }
                cv::Mat mask = sel.mask;
                std::string chosen = target.kind == TargetChoice::Auto ? "auto" : "";
                if (following) chosen = "as on frame " + std::to_string(previousFrame) + ":";
                else if (target.kind == TargetChoice::Click)
                    chosen = "click at (" + std::to_string(target.click.x) + ", " + std::to_string(target.click.y) + ")";
                for (int c : sel.clusters) chosen += (chosen.empty() ? "cluster " : " cluster ") + std::to_string(c);
                const std::string cocoForm = writeMaskFiles(maskPaths, {{image.current, mask}});
                msf::io::Provenance prov;
                prov.method = method == "kmeans" ? "kmeans" : std::string("msformer (") + (opt.mode) + " mode)";
                prov.parameters = runParameters(opt, method, r);
                prov.clusters = chosen;
                prov.postProcessing = target.kind == TargetChoice::Cluster ? "none" : "connected regions, holes filled";
                prov.softwareVersion = version;
                prov.targetName = targetName;
                auto outputs = maskPaths;
                outputs.erase("provenance");
                outputs["clusters"] = clustersPath;
                outputs["labels"] = labelsPath;
                msf::io::writeProvenanceJson(maskPaths["provenance"], image, prov, outputs, force);
                out << "  target: " << (sel.clusters.empty() ? QString("none found (empty mask)")
                                                            : QString::fromStdString(chosen))
                    << ", " << QString::fromStdString(msf::mask::sizeText(mask, image.meta.spacingX, image.meta.spacingY))
                    << "\n";
                printWritten(maskPaths, cocoForm);
                out.flush();
                previousMask = mask;
                previousFrame = frame;
                if (volumePaths.empty()) continue;
                volumeMasks.push_back({frame, mask});
                if (volumeProvenance.frames.empty()) {
                    volumeProvenance = prov;
                    volumeProvenance.clusters = "per frame";
                }
                volumeProvenance.frames.push_back({frame, image.meta.window, sel.clusters.empty() ? "none found" : chosen});
            }
            if (!volumePaths.empty()) {
                const std::string cocoForm = writeMaskFiles(volumePaths, volumeMasks);
                auto outputs = volumePaths;
                outputs.erase("provenance");
                msf::io::writeProvenanceJson(volumePaths.at("provenance"), image, volumeProvenance, outputs, force);
                out << item.label() << ": " << counted(static_cast<long long>(volumeMasks.size()), "frame")
                    << " in one mask\n";
                printWritten(volumePaths, cocoForm);
            }
        } catch (const std::exception& e) {
            ++failures;
            QString removed;
            for (const std::string& file : newOutputs)
                if (std::error_code ec; std::filesystem::remove(file, ec)) removed += "\n  removed " + QString::fromStdString(file);
            fail("segment", (QString::fromStdString(e.what()).startsWith(path) ? QString::fromStdString(e.what())
                                                                               : path + ": " + e.what()) +
                                (removed.isEmpty() ? QString() : "; what it had written for it is removed:" + removed));
        }
        out.flush();
    }
    return failures ? 1 : 0;
}
