// msformer eval --images DIR --masks DIR : the paper's Table 1 for your data.
#include <QCommandLineParser>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <cmath>
#include <map>
#include <set>
#include <unistd.h>

#include "commands.h"
#include "image_input.h"
#include "method_options.h"
#include "msformer/evaluation.h"
#include "msformer/io/atomic_write.h"
#include "msformer/io/dataset_pairs.h"
#include "msformer/io/image_loader.h"
#include "msformer/mat_convert.h"
#include "msformer/segmenter.h"
#include "msformer/target_selection.h"
#include "progress_printer.h"
#include "wording.h"

namespace {

struct Row {
    QString image;
    msf::ProtocolScores s;
    int clusters = 0;
    int iterations = 0;
    double seconds = 0;
    double follow = 0;  // --follow: DSC of the mask carried from the slice before
    // --every-iteration (MS-Former): each iteration's map, finished as the final one, scored by every protocol.
    struct Iteration {
        msf::ProtocolScores s;
        int clusters = 0;
    };
    std::vector<Iteration> byIteration;  // [k - 1]: iteration k's map (the map after k - 1 steps)
};

// --every-iteration's figures of one iteration, under the names the JSON uses.
QJsonObject iterationColumns(int iteration, const Row::Iteration& it) {
    return {{"iteration", iteration},       {"dsc", it.s.bestOverlap.dsc}, {"click_dsc", it.s.click.dsc},
            {"auto_dsc", it.s.automatic.dsc}, {"clusters", it.clusters}};
}

// The columns besides the protocols every row has.
struct Extras {
    bool dilated = false;  // --with-dilated-gt
    bool follow = false;   // --follow
};

// The figures of one row under the column names the CSV and JSON use.
std::vector<std::pair<QString, double>> columns(const Row& r, const Extras& extras) {
    std::vector<std::pair<QString, double>> c = {
        {"dsc", r.s.bestOverlap.dsc},       {"hm", r.s.bestOverlap.hm},   {"xor", r.s.bestOverlap.xorRatio},
        {"hd95", r.s.bestOverlap.hd95},     {"hd95_mm", r.s.bestOverlap.hd95Mm},
        {"click_dsc", r.s.click.dsc},       {"click_hd95", r.s.click.hd95}, {"click_hd95_mm", r.s.click.hd95Mm},
        {"auto_dsc", r.s.automatic.dsc},    {"auto_hd95", r.s.automatic.hd95}, {"auto_hd95_mm", r.s.automatic.hd95Mm},
        {"clusters", double(r.clusters)},   {"iterations", double(r.iterations)}, {"seconds", r.seconds}};
    if (extras.dilated) c.push_back({"dsc_dilated_gt", r.s.dilatedTruth.dsc});
    if (extras.follow) c.push_back({"follow_dsc", r.follow});
    return c;
}

// Mean and sd of each column over the rows that have it (hd95_mm: those whose image has a pixel size).
struct Summary {
    std::map<QString, double> mean, sd;
    std::map<QString, size_t> n;
};

Summary summarize(const std::vector<Row>& rows, const Extras& extras) {
    Summary s;
    if (rows.empty()) return s;
    std::map<QString, std::vector<double>> values;
    for (const auto& r : rows)
        for (const auto& [k, v] : columns(r, extras))
            if (!std::isnan(v)) values[k].push_back(v);
    for (const auto& [k, vs] : values) {
        s.n[k] = vs.size();
        double m = 0;
        for (double v : vs) m += v;
        m /= vs.size();
        double var = 0;
        for (double v : vs) var += (v - m) * (v - m);
        s.mean[k] = m;
        s.sd[k] = vs.size() > 1 ? std::sqrt(var / (vs.size() - 1)) : 0.0;
    }
    return s;
}

QString pm(const Summary& s, const QString& key, double scale = 100.0, int prec = 1) {
    if (!s.mean.count(key)) return "-";  // no row has it
    return QString("%1 ± %2").arg(s.mean.at(key) * scale, 0, 'f', prec).arg(s.sd.at(key) * scale, 0, 'f', prec);
}

}  // namespace

int runEval(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(
        "Evaluate against ground-truth masks. Columns (x100 in the table): DSC, HM (1 - IoU) and XOR of the "
        "cluster with the largest overlap with the truth (the paper's protocol), HD95 in pixels and, for images with a "
        "pixel size, in mm; click DSC "
        "(the regions under one simulated click per truth component, holes filled) and auto DSC (no ground "
        "truth used).");
    p.addHelpOption();
    p.addOptions({
        {"images", "Folder of images.", "DIR"},
        {"masks", "Folder of masks, paired by file stem (a.dcm with a.png, a_mask.png, a_lesion.png, ...).", "DIR"},
        {"methods", "Comma-separated: msformer,kmeans (default both).", "LIST"},
        {"csv", "Write per-image rows to this CSV file.", "FILE"},
        {"json", "Write per-image rows and means to this JSON file.", "FILE"},
        {"with-dilated-gt", "Also report the published code's variant that multiplies the chosen cluster by "
                            "the dilated ground truth (USES THE GROUND TRUTH in the prediction)."},
        {"force", "Overwrite existing CSV/JSON files."},
        {"progress", "Print one line per iteration."},
        {"slices", "Volumes (NIfTI, DICOM series, multi-frame): evaluate these slices, e.g. 20,31,40 "
                   "(default: the middle one; the mask must be a volume of the same size).", "LIST"},
        {"mask-label", "Masks that are label maps or DICOM SEGs of several segments: score against this label "
                       "(value, or segment number) only, not every non-zero one.", "N"},
        {"every-iteration", "MS-Former: also score the map of every iteration, as the app's , and . show them "
                            "(iteration k: the map after k - 1 steps, through the final map's post-steps): its "
                            "best-overlap, click and auto DSC per image and their means by iteration, printed and "
                            "in the JSON (per_iteration, per_iteration_mean); the CSV keeps one row per image."},
        {"follow", "With --slices: also score follow DSC, segment --follow's protocol: on the first slice the "
                   "click protocol's mask, on each next slice (in --slices order) the regions of its map lying at "
                   "least half inside the mask before (after an empty one, the click protocol again)."},
    });
    addMethodOptions(p);
    addImageInputOptions(p);
    if (!p.parse(QStringList{"msformer eval"} + args)) return fail("eval", p.errorText(), 2);
    if (p.isSet("help")) return printHelp(p, "eval");
    if (!p.isSet("images") || !p.isSet("masks")) return fail("eval", "--images DIR and --masks DIR are required", 2);
    MethodOptions opt;
    if (const QString e = readMethodOptions(p, &opt); !e.isEmpty()) return fail("eval", e, 2);
    const QStringList methods = (p.isSet("methods") ? p.value("methods") : "msformer,kmeans").split(',');
    for (const QString& m : methods)
        if (m != "msformer" && m != "kmeans") return fail("eval", QString("unknown method '%1'").arg(m), 2);
    const bool dilated = p.isSet("with-dilated-gt");
    const Extras extras{dilated, p.isSet("follow")};
    const bool everyIteration = p.isSet("every-iteration");
    if (everyIteration && !methods.contains("msformer"))
        return fail("eval", "--every-iteration scores MS-Former's iterations: add msformer to --methods", 2);
    if (extras.follow && !p.isSet("slices")) return fail("eval", "--follow needs --slices (two or more, in order)", 2);
    int maskLabel = 0;
    if (const QString e = readMaskLabelOption(p, "mask-label", &maskLabel); !e.isEmpty()) return fail("eval", e, 2);
    const bool force = p.isSet("force");
    try {
        if (p.isSet("csv")) msf::io::checkWritable(p.value("csv").toStdString(), force);
        if (p.isSet("json")) msf::io::checkWritable(p.value("json").toStdString(), force);
    } catch (const std::exception& e) {
        return fail("eval", e.what());
    }

    std::vector<std::string> problems;
    std::vector<msf::io::ImageMaskPair> pairs;
    try {
        pairs = msf::io::pairImagesWithMasks(p.value("images").toStdString(), p.value("masks").toStdString(), &problems);
    } catch (const std::exception& e) {
        return fail("eval", e.what());
    }
    QTextStream out(stdout);
    for (const auto& pr : problems) fail("eval", QString::fromStdString(pr) + " (skipped)", 0);
    if (pairs.empty()) return fail("eval", "no image/mask pairs found");

    std::map<QString, std::vector<Row>> rows;
    std::map<QString, std::map<std::string, std::string>> parameters;  // per method, as its runs used them
    int skipped = 0;
    std::vector<int> slices;
    if (p.isSet("slices"))
        for (const QString& t : p.value("slices").split(',')) {
            bool ok = false;
            slices.push_back(t.toInt(&ok));
            if (!ok || slices.back() < 0) return fail("eval", "--slices needs numbers >= 0, e.g. 20,31,40", 2);
        }
    struct Job {
        msf::io::ImageMaskPair pair;
        int frame;  // -2: the reader's default (and --frame)
    };
    std::vector<Job> jobs;
    for (const auto& pair : pairs) {
        if (slices.empty()) jobs.push_back({pair, -2});
        for (int s : slices) jobs.push_back({{pair.stem + "@" + std::to_string(s), pair.image, pair.mask}, s});
    }
    std::map<std::pair<std::string, QString>, cv::Mat> followed;  // (image, method) -> the last slice's mask
    std::set<std::string> labelChecked;                           // mask files known to hold --mask-label
    std::set<std::string> noted;                                  // images whose reader notes are printed
    if (maskLabel > 0) out << "masks: label " << maskLabel << " only\n";
    for (const auto& [pair, frame] : jobs) {
        try {
            if (maskLabel > 0 && labelChecked.insert(pair.mask).second) msf::io::checkMaskLabel(pair.mask, maskLabel);
            const auto input = loadInput(QString::fromStdString(pair.image), p, frame);
            const auto& image = input.image;
            if (noted.insert(pair.image).second)  // once per file, not per slice scored
                printReaderNotes(out, QString::fromStdString(pair.image), image);
            msf::io::MaskFrame which = msf::io::maskFrameFor(image);
            which.label = maskLabel;
            const cv::Mat truth = msf::io::loadMask(pair.mask, which);
            if (truth.size() != image.pixels().size())
                throw std::runtime_error(pair.mask + ": mask is " + std::to_string(truth.cols) + "x" +
                                         std::to_string(truth.rows) + " but the image is " +
                                         std::to_string(image.pixels().cols) + "x" + std::to_string(image.pixels().rows));
            if (cv::countNonZero(truth) == 0) throw std::runtime_error(pair.mask + ": mask is empty");
            const auto& buffer = input.buffer;
            const cv::Mat grey = msf::toGrey(buffer);
            for (const QString& m : methods) {
                msf::SegmentationResult r;
                if (m == "kmeans") {
                    r = msf::runKMeans(buffer, opt.kmeans);
                } else {
                    msf::Segmenter seg(opt.msformer);
                    seg.setObserver(progressPrinter(p.isSet("progress"), opt.msformer.maxIterations));
                    seg.setKeepIterationMaps(everyIteration, std::size_t{1} << 30);  // 1 GiB of maps
                    r = seg.run(buffer);
                }
                const cv::Mat labels = msf::toMat(r.original);
                Row row{QString::fromStdString(pair.stem),
                        msf::evaluateAllProtocols(labels, truth, grey, image.meta.spacingX, image.meta.spacingY),
                        r.clusterCount, static_cast<int>(r.history.size()), r.totalMilliseconds / 1000.0, 0, {}};
                // Only asked for with --every-iteration (it was said on every run without it, "iterations 1-0").
                if (everyIteration && r.iterationMaps.size() < r.history.size()) {
                    const QString stem = QString::fromStdString(pair.stem);
                    fail("eval", r.iterationMaps.empty()
                                     ? QString("%1: no iteration of %2 scored by --every-iteration (one map fills over "
                                               "1 GiB)").arg(stem).arg(r.history.size())
                                     : QString("%1: iterations 1-%2 of %3 scored by --every-iteration (their maps fill 1 GiB)")
                                           .arg(stem).arg(r.iterationMaps.size()).arg(r.history.size()), 0);
                }
                for (const auto& working : r.iterationMaps) {
                    const msf::LabelMap finished = msf::finishWorkingMap(working, buffer, opt.msformer);
                    row.byIteration.push_back({msf::evaluateAllProtocols(msf::toMat(finished), truth, grey,
                                                                         image.meta.spacingX, image.meta.spacingY),
                                               finished.count()});
                }
                if (extras.follow) {
                    cv::Mat& before = followed[{pair.image, m}];
                    before = !before.empty() && before.size() == labels.size() && cv::countNonZero(before) > 0
                                 ? msf::selectLikeMask(labels, before).mask
                                 : msf::selectByTruthClicks(labels, truth).mask;
                    row.follow = msf::scoreOverlap(before, truth).dsc;
                }
                out << QString("%1 %2: DSC %3  click %4  auto %5  (%6 clusters, %7 s)\n")
                           .arg(row.image, -24).arg(m, -8)
                           .arg(row.s.bestOverlap.dsc * 100, 5, 'f', 1).arg(row.s.click.dsc * 100, 5, 'f', 1)
                           .arg(row.s.automatic.dsc * 100, 5, 'f', 1).arg(row.clusters).arg(row.seconds, 0, 'f', 2);  // as segment does: k-means takes 0.01 s
                if (extras.follow) out << QString("%1 %2: follow %3\n").arg(row.image, -24).arg(m, -8)
                                              .arg(row.follow * 100, 5, 'f', 1);
                if (!row.byIteration.empty()) {
                    QStringList cells;
                    for (size_t k = 0; k < row.byIteration.size(); ++k)
                        cells << QString("%1: %2").arg(k + 1).arg(row.byIteration[k].s.click.dsc * 100, 0, 'f', 1);
                    out << QString("%1 %2: click DSC by iteration  %3\n").arg(row.image, -24).arg(m, -8)
                               .arg(cells.join("  "));
                }
                out.flush();
                rows[m].push_back(row);
                parameters[m] = runParameters(opt, m, r);
            }
        } catch (const std::exception& e) {
            ++skipped;
            fail("eval", QString::fromStdString(e.what()) + " (skipped)", 0);
        }
    }

    if (rows.empty())  // every pair failed: no table, no result files, and a failing exit code
        return fail("eval", QString("no image/mask pair could be scored (%1 skipped)").arg(skipped));

    out << "\n" << QString("%1 %2 %3 %4 %5 %6 %7 %8 %9\n")
                       .arg("method", -9).arg("n", 3).arg("DSC", 12).arg("HM", 12).arg("XOR", 12)
                       .arg("HD95 px", 12).arg("HD95 mm", 12).arg("click DSC", 12).arg("auto DSC", 12);
    QJsonObject json;
    for (const QString& m : methods) {
        const auto found = rows.find(m);
        if (found == rows.end()) continue;
        const auto& rs = found->second;
        const Summary s = summarize(rs, extras);
        out << QString("%1 %2 %3 %4 %5 %6 %7 %8 %9\n")
                   .arg(m, -9).arg(rs.size(), 3).arg(pm(s, "dsc"), 12).arg(pm(s, "hm"), 12).arg(pm(s, "xor"), 12)
                   .arg(pm(s, "hd95", 1.0), 12).arg(pm(s, "hd95_mm", 1.0), 12).arg(pm(s, "click_dsc"), 12)
                   .arg(pm(s, "auto_dsc"), 12);
        if (s.n.count("hd95_mm") && s.n.at("hd95_mm") < rs.size())
            out << "          HD95 mm of the " << counted(int(s.n.at("hd95_mm")), "image") << " with a pixel size only\n";
        if (dilated) out << "          DSC with dilated ground truth (uses the truth): " << pm(s, "dsc_dilated_gt") << "\n";
        if (extras.follow) out << "          follow DSC (one truth click on the first slice): " << pm(s, "follow_dsc") << "\n";
        QJsonObject mean, sd;
        for (const auto& [k, v] : s.mean) mean[k] = v;
        for (const auto& [k, v] : s.sd) sd[k] = v;
        QJsonArray per;
        size_t mostIterations = 0;
        for (const auto& r : rs) {
            QJsonObject o{{"image", r.image}};
            for (const auto& [k, v] : columns(r, extras)) o[k] = std::isfinite(v) ? QJsonValue(v) : QJsonValue();
            if (everyIteration && m == "msformer") {
                QJsonArray its;
                for (size_t k = 0; k < r.byIteration.size(); ++k)
                    its.append(iterationColumns(static_cast<int>(k + 1), r.byIteration[k]));
                o["per_iteration"] = its;
            }
            mostIterations = std::max(mostIterations, r.byIteration.size());
            per.append(o);
        }
        QJsonObject settings;
        for (const auto& [k, v] : parameters[m]) settings[QString::fromStdString(k)] = QString::fromStdString(v);
        json[m] = QJsonObject{{"mean", mean}, {"sd", sd}, {"per_image", per}, {"parameters", settings}};
        if (mostIterations > 0) {
            // The means by iteration, over the images whose run reached it (a run that stopped early has fewer).
            out << "          by iteration (means over the images whose run reached it):\n"
                << "          iteration    n    DSC  click   auto\n";
            QJsonArray means;
            for (size_t k = 0; k < mostIterations; ++k) {
                std::vector<Row> reached;  // iteration k's scores as rows, for the table's own means
                for (const auto& r : rs) {
                    if (k >= r.byIteration.size()) continue;
                    Row row;
                    row.image = r.image;
                    row.s = r.byIteration[k].s;
                    reached.push_back(row);
                }
                const Summary at = summarize(reached, Extras{});
                const int n = static_cast<int>(reached.size());
                const double dsc = at.mean.at("dsc"), click = at.mean.at("click_dsc"), automatic = at.mean.at("auto_dsc");
                out << QString("          %1 %2 %3 %4 %5\n").arg(k + 1, 9).arg(n, 4).arg(dsc * 100, 6, 'f', 1)
                           .arg(click * 100, 6, 'f', 1).arg(automatic * 100, 6, 'f', 1);
                means.append(QJsonObject{{"iteration", static_cast<int>(k + 1)}, {"n", n}, {"dsc", dsc},
                                         {"click_dsc", click}, {"auto_dsc", automatic}});
            }
            QJsonObject o = json[m].toObject();
            o["per_iteration_mean"] = means;
            json[m] = o;
        }
    }
    out << "(DSC/HM/XOR x100, mean ± sd; best-overlap protocol of the paper; " << counted(skipped, "pair") << " skipped)\n";
    out.flush();

    try {
        if (p.isSet("json")) {
            json["protocol"] = "dsc/hm/xor/hd95: best-overlap cluster (paper Table 1); hd95 in pixels, hd95_mm in "
                               "millimetres (null without a pixel size); click_*: one simulated click "
                               "per ground-truth component; auto_*: no ground truth; follow_dsc (--follow): the "
                               "click protocol on the first slice, then each slice's regions at least half inside "
                               "the slice before's mask";
            if (maskLabel > 0) json["mask_label"] = maskLabel;  // the truth: this label of each mask only
            const QByteArray bytes = QJsonDocument(json).toJson();
            msf::io::writeFileAtomic(p.value("json").toStdString(), {bytes.begin(), bytes.end()}, force);
        }
        if (p.isSet("csv")) {
            QByteArray csv = "method,image";
            const auto header = columns(Row{}, extras);
            for (const auto& [k, v] : header) csv += "," + k.toUtf8();
            csv += "\n";
            for (const QString& m : methods)
                for (const auto& r : rows.count(m) ? rows.at(m) : std::vector<Row>{}) {
                    csv += (m + "," + r.image).toUtf8();
                    for (const auto& [k, v] : columns(r, extras))  // an unknown figure (hd95_mm): empty
                        csv += "," + (std::isnan(v) ? QByteArray() : QByteArray::number(v, 'g', 6));
                    csv += "\n";
                }
            msf::io::writeFileAtomic(p.value("csv").toStdString(), {csv.begin(), csv.end()}, force);
        }
    } catch (const std::exception& e) {
        return fail("eval", e.what());
    }
    return 0;
}
