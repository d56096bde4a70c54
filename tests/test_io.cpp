#include <QtTest>
#include <QTemporaryDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <nifti2_io.h>
#include <tiffio.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "deflate_bytes.h"
#include "flood_count.h"
#include "png_bytes.h"
#include "msformer/io/annotation_writers.h"
#include "msformer/io/atomic_write.h"
#include "msformer/io/dataset_pairs.h"
#include "msformer/io/image.h"
#include "msformer/io/image_loader.h"
#include "msformer/io/io_error.h"
#include "msformer/io/mask_writer.h"
#include "msformer/io/metaimage_writer.h"
#include "msformer/io/nifti_io.h"
#include "msformer/io/nrrd_writer.h"
#include "msformer/io/target_name.h"

namespace {
void touch(const QString& path, const std::string& content = "x") {
    std::ofstream(path.toStdString()) << content;
}
QString errorOf(const std::string& path) {
    try {
        msf::io::loadImage(path);
    } catch (const msf::io::IoError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}
// `content` written as `name` in `dir`, then loaded: the error's text after "<path>: ", which must name the file.
QString problemOf(const QTemporaryDir& dir, const char* name, const std::string& content) {
    const QString path = dir.filePath(name);
    touch(path, content);
    const QString e = errorOf(path.toStdString());
    return e.startsWith(path + ": ") ? e.mid(path.size() + 2) : "(not named after the file) " + e;
}
// A float NIfTI volume nx x ny x nz (x nt) whose voxel (i, j, k, t) holds
// 1000 t + 100 k + 10 j + i (so every voxel says where it is stored), with the
// given voxel -> RAS affine as its sform; nt = 0 writes a 2-D file (nz = 1).
void writeTestNifti(const std::string& path, int nx, int ny, int nz, int nt, const std::array<double, 12>& ras,
                    int niftiType = NIFTI_FTYPE_NIFTI1_1) {
    const int64_t dims[8] = {nt > 1 ? 4 : nt == 0 ? 2 : 3, nx, ny, nz, std::max(1, nt), 1, 1, 1};
    nifti_image* nim = nifti_make_new_nim(dims, DT_FLOAT32, 1);
    float* v = static_cast<float*>(nim->data);
    for (int t = 0; t < std::max(1, nt); ++t)
        for (int k = 0; k < nz; ++k)
            for (int j = 0; j < ny; ++j)
                for (int i = 0; i < nx; ++i) *v++ = float(1000 * t + 100 * k + 10 * j + i);
    nifti_dmat44 a{};
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 4; ++c) a.m[r][c] = ras[4 * r + c];
    a.m[3][3] = 1;
    nim->sto_xyz = a;
    nim->sform_code = NIFTI_XFORM_SCANNER_ANAT;
    nim->dx = nim->pixdim[1] = std::hypot(ras[0], ras[4], ras[8]);
    nim->dy = nim->pixdim[2] = std::hypot(ras[1], ras[5], ras[9]);
    nim->dz = nim->pixdim[3] = std::hypot(ras[2], ras[6], ras[10]);
    nim->nifti_type = niftiType;  // the file names follow it (.hdr and .img for a pair)
    if (niftiType == NIFTI_FTYPE_NIFTI2_1) {
        // nifticlib's writer leaves a NIfTI-2 file's header out: header, no extension, voxels (an uncompressed .nii).
        nifti_2_header header;
        nifti_convert_nim2n2hdr(nim, &header);
        header.vox_offset = sizeof header + 4;
        std::ofstream file(path, std::ios::binary);
        const char noExtension[4] = {0, 0, 0, 0};
        file.write(reinterpret_cast<const char*>(&header), sizeof header).write(noExtension, 4);
        file.write(static_cast<const char*>(nim->data), std::streamsize(nim->nvox * nim->nbyper));
    } else {
        nifti_set_filenames(nim, path.c_str(), 0, 1);
        nifti_image_write(nim);
    }
    nifti_image_free(nim);
}
// The voxels of writeTestNifti's first volume (100 k + 10 j + i), in storage order, for the other writers.
std::vector<float> voxelsSayingWhereTheyAre(int nx, int ny, int nz) {
    std::vector<float> values;
    for (int k = 0; k < nz; ++k)
        for (int j = 0; j < ny; ++j)
            for (int i = 0; i < nx; ++i) values.push_back(float(100 * k + 10 * j + i));
    return values;
}
// How writeTestNrrd stores its voxels.
struct NrrdLayout {
    bool lps = true;        // space left-posterior-superior (Slicer's, DICOM's), else right-anterior-superior
    bool gzip = false;      // gzip encoding, else raw
    bool detached = false;  // the header in a .nhdr, the voxels in a data file beside it
};
// The voxels of writeTestNifti (float, 100 k + 10 j + i) as a NRRD whose space directions and origin are the
// given voxel -> RAS affine, written in the layout's space and encoding.
void writeTestNrrd(const std::string& path, int nx, int ny, int nz, const std::array<double, 12>& ras,
                   const NrrdLayout& layout) {
    const std::vector<float> values = voxelsSayingWhereTheyAre(nx, ny, nz);
    const double sign[3] = {layout.lps ? -1.0 : 1.0, layout.lps ? -1.0 : 1.0, 1.0};
    std::ostringstream header;
    header << "NRRD0004\n# written by test_io\ntype: float\ndimension: 3\nspace: "
           << (layout.lps ? "left-posterior-superior" : "right-anterior-superior") << "\nsizes: " << nx << " " << ny
           << " " << nz << "\nspace directions:";
    for (int c = 0; c < 3; ++c)
        header << " (" << sign[0] * ras[c] << "," << sign[1] * ras[4 + c] << "," << sign[2] * ras[8 + c] << ")";
    header << "\nkinds: domain domain domain\nendian: little\nencoding: " << (layout.gzip ? "gzip" : "raw")
           << "\nspace origin: (" << sign[0] * ras[3] << "," << sign[1] * ras[7] << "," << sign[2] * ras[11] << ")\n";
    const std::string data = layout.detached ? path.substr(0, path.rfind('.')) + (layout.gzip ? ".raw.gz" : ".raw") : path;
    if (layout.detached) header << "data file: " << data.substr(data.rfind('/') + 1) << "\n";
    std::ofstream(path, std::ios::binary) << header.str() << (layout.detached ? "" : "\n");
    const auto* bytes = reinterpret_cast<const char*>(values.data());
    const size_t n = values.size() * sizeof(float);
    if (layout.gzip) {
        gzFile gz = gzopen(data.c_str(), layout.detached ? "wb" : "ab");
        gzwrite(gz, bytes, unsigned(n));
        gzclose(gz);
    } else {
        std::ofstream(data, layout.detached ? std::ios::binary : std::ios::binary | std::ios::app).write(bytes, std::streamsize(n));
    }
}
// The same voxels as a MetaImage (ITK's format): TransformMatrix rows are the axes' LPS directions, ElementSpacing
// their lengths, Offset the first voxel's LPS position; the voxels after the header (.mha, LOCAL) or in a data
// file beside it (.mhd), raw or zlib-compressed.
void writeTestMetaImage(const std::string& path, int nx, int ny, int nz, const std::array<double, 12>& ras,
                        bool compressed) {
    const std::vector<float> values = voxelsSayingWhereTheyAre(nx, ny, nz);
    const double sign[3] = {-1, -1, 1};
    std::ostringstream header, matrix, spacing;
    for (int c = 0; c < 3; ++c) {
        const double length = std::hypot(ras[c], ras[4 + c], ras[8 + c]);
        spacing << (c ? " " : "") << length;
        for (int r = 0; r < 3; ++r) matrix << (c || r ? " " : "") << sign[r] * ras[4 * r + c] / length;
    }
    const bool detached = path.size() > 4 && path.substr(path.size() - 4) == ".mhd";
    const std::string data = detached ? path.substr(0, path.size() - 4) + (compressed ? ".zraw" : ".raw") : path;
    const std::string plain(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
    const std::string bytes = compressed ? deflatedBytes(plain, 15) : plain;
    header << "ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\nCompressedData = "
           << (compressed ? "True" : "False") << "\n";
    if (compressed) header << "CompressedDataSize = " << bytes.size() << "\n";
    header << "TransformMatrix = " << matrix.str() << "\nOffset = " << sign[0] * ras[3] << " " << sign[1] * ras[7] << " "
           << sign[2] * ras[11] << "\nCenterOfRotation = 0 0 0\nAnatomicalOrientation = ???\nElementSpacing = "
           << spacing.str() << "\nDimSize = " << nx << " " << ny << " " << nz << "\nElementType = MET_FLOAT\n"
           << "ElementDataFile = " << (detached ? data.substr(data.rfind('/') + 1) : std::string("LOCAL")) << "\n";
    std::ofstream(path, std::ios::binary) << header.str() << (detached ? "" : bytes);
    if (detached) std::ofstream(data, std::ios::binary) << bytes;
}

// A 6 x 5 grey photo of 0.5 mm pixels (no place in patient space), and a mask of 6 pixels inside on it.
msf::io::Image halfMillimetrePhoto() {
    msf::io::Image photo;
    photo.frames = {cv::Mat(5, 6, CV_8U, cv::Scalar(1))};
    photo.meta.format = "PNG";
    photo.meta.spacingX = photo.meta.spacingY = 0.5;
    return photo;
}
cv::Mat sixPixelMask() {
    cv::Mat mask = cv::Mat::zeros(5, 6, CV_8U);
    mask(cv::Rect(1, 2, 3, 2)).setTo(255);
    return mask;
}

// What a volume mask writer promises (`write(path, mask, overwrite)`, `written` its file of `mask`'s 6 pixels
// inside): an existing file not written over unless asked, then written over (with an empty mask); each name of
// `refused` in `dir` ("small.*" with a mask of another size) refused, naming the file, writing nothing (the first,
// a detached header's name, saying `oneFile`); no temporary file left beside them.
void checkOverwriteAndRefusals(const QTemporaryDir& dir, const std::string& written, const cv::Mat& mask,
                               const std::function<void(const std::string&, const cv::Mat&, bool)>& write,
                               const QStringList& refused, const QString& oneFile) {
    try {
        write(written, cv::Mat::zeros(mask.size(), CV_8U), false);
        QFAIL("an existing mask was written over");
    } catch (const msf::io::IoError& e) {
        QVERIFY2(QString(e.what()).startsWith(QString::fromStdString(written) + ": already exists"), e.what());
    }
    QCOMPARE(cv::countNonZero(msf::io::loadImage(written).frames[0]), 6);
    write(written, cv::Mat::zeros(mask.size(), CV_8U), true);
    QCOMPARE(cv::countNonZero(msf::io::loadImage(written).frames[0]), 0);
    for (const QString& name : refused) {
        const std::string path = dir.filePath(name).toStdString();
        try {
            write(path, name.startsWith("small.") ? cv::Mat::zeros(2, 2, CV_8U) : mask, false);
            QFAIL(qPrintable(name));
        } catch (const msf::io::IoError& e) {
            QVERIFY2(QString(e.what()).startsWith(QString::fromStdString(path) + ": "), e.what());
            if (name == refused.front()) QVERIFY2(QString(e.what()).contains(oneFile), e.what());
        }
        QVERIFY(!QFileInfo::exists(QString::fromStdString(path)));
    }
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);
}
}  // namespace

class TestIo : public QObject {
    Q_OBJECT
private slots:
    void readErrorsNameTheFileAndTheProblem() {
        QTemporaryDir dir;
        const QString missing = dir.filePath("missing.png"), empty = dir.filePath("empty.png"),
                      corrupt = dir.filePath("corrupt.png"), text = dir.filePath("notes.txt");
        touch(empty, "");
        touch(corrupt, "\x89PNG\r\n\x1a\n garbage that is not a PNG stream");
        touch(text, "hello");
        QVERIFY(errorOf(missing.toStdString()).contains("missing.png: file not found"));
        QVERIFY(errorOf(empty.toStdString()).contains("empty.png: file is empty"));
        QVERIFY(errorOf(corrupt.toStdString()).startsWith(corrupt));
        QVERIFY(errorOf(text.toStdString()).startsWith(text));
        QVERIFY(errorOf(text.toStdString()).contains("not a supported image format (DICOM, NIfTI"));
        QVERIFY(errorOf(dir.path().toStdString()).contains("folder"));
    }
    void hugeDimensionHeaderIsRefused() {
        // A valid PNG signature and IHDR claiming 100000 x 100000 RGBA, then IEND: no pixel data.
        auto crc = [](const std::string& bytes) {
            uint32_t c = 0xffffffffu;
            for (unsigned char b : bytes) {
                c ^= b;
                for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
            }
            return c ^ 0xffffffffu;
        };
        auto be32 = [](uint32_t v) {
            return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
        };
        const std::string ihdr = "IHDR" + be32(100000) + be32(100000) + std::string{8, 6, 0, 0, 0};
        const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + ihdr + be32(crc(ihdr)) + be32(0) +
                                "IEND" + be32(crc("IEND"));
        QTemporaryDir dir;
        const QString path = dir.filePath("huge.png");
        touch(path, png);
        const QString e = errorOf(path.toStdString());
        QVERIFY2(e.startsWith(path + ": "), qPrintable(e));
        QVERIFY2(e.contains("too large"), qPrintable(e));
        // A PGM header claiming 99999 x 99999 pixels, no data: the same limit, through another decoder.
        const QString pgm = dir.filePath("huge.pgm");
        touch(pgm, "P5\n99999 99999\n255\n");
        const QString e2 = errorOf(pgm.toStdString());
        QVERIFY2(e2.startsWith(pgm + ": ") && e2.contains("too large"), qPrintable(e2));
    }
    void percentileWindowCountsLikeSorting() {
        // 8- and 16-bit frames are counted in a histogram (a 24-MP photo's
        // sort took 0.7 s on the UI thread): the same 0.5th and 99.5th
        // percentile samples as sorting every sample, over all channels.
        cv::RNG rng(7);
        for (int type : {CV_8UC1, CV_8UC3, CV_16UC1, CV_16UC3}) {
            const bool eightBit = CV_MAT_DEPTH(type) == CV_8U;
            cv::Mat m(37, 53, type);
            rng.fill(m, cv::RNG::NORMAL, eightBit ? 120 : 900, eightBit ? 60 : 300);  // some saturate at 0 (and 255)
            m(cv::Rect(0, 0, 10, 10)).setTo(cv::Scalar::all(eightBit ? 255 : 65535));
            cv::Mat f;
            m.reshape(1).convertTo(f, CV_32F);
            std::vector<float> sorted(f.begin<float>(), f.end<float>());
            std::sort(sorted.begin(), sorted.end());
            const size_t lo = sorted.size() / 200, hi = sorted.size() - 1 - sorted.size() / 200;
            const float a = sorted[lo], b = std::max(sorted[hi], sorted[lo] + 1);
            const auto w = msf::io::percentileWindow(m);
            QVERIFY(b - a > 100);  // a spread, not a flat frame
            QCOMPARE(w.center, (a + b) / 2.0);
            QCOMPARE(w.width, static_cast<double>(b - a));
            cv::Mat asFloat;
            m.convertTo(asFloat, CV_32F);  // the sorting path gives the same
            QCOMPARE(msf::io::percentileWindow(asFloat).center, w.center);
        }
        const auto flat = msf::io::percentileWindow(cv::Mat(8, 8, CV_16UC1, cv::Scalar(40)));
        QCOMPARE(flat.center, 40.5);  // a flat frame: width 1
        QCOMPARE(flat.width, 1.0);
        // NaN values (a reader's, before the loader replaces them) are left out, not sorted: the window of the
        // finite values. An image with none gave no window, and the normalisation asked for one again and again
        // (a stack overflow, found by fuzzing the NRRD reader): it is flat.
        cv::Mat withNan(10, 20, CV_32F);
        for (int i = 0; i < int(withNan.total()); ++i) withNan.at<float>(i) = i % 3 ? float(i) : NAN;
        const auto finite = msf::io::percentileWindow(withNan);
        QVERIFY(std::isfinite(finite.center) && finite.width > 150 && finite.width < 200);
        msf::io::Image nan;
        nan.frames = {cv::Mat(4, 4, CV_32F, cv::Scalar(NAN))};
        nan.meta.photometric = "MONOCHROME2";
        QVERIFY(!msf::io::percentileWindow(nan.frames[0]).valid());
        const cv::Mat normalised = msf::io::normalizedForSegmentation(nan, msf::io::Window{});
        QCOMPARE(cv::countNonZero(normalised), 0);
    }
    void exifOrientationIsApplied() {
        // A 40 x 20 JPEG with an EXIF APP1 segment saying "rotate 90 degrees clockwise" (orientation 6).
        cv::Mat img(20, 40, CV_8UC3, cv::Scalar(200, 200, 200));
        img(cv::Rect(0, 0, 10, 20)).setTo(cv::Scalar(0, 0, 0));  // dark left edge
        std::vector<uchar> jpeg;
        QVERIFY(cv::imencode(".jpg", img, jpeg));
        const std::string tiff = std::string("II*\0\x08\0\0\0", 8) + std::string("\x01\0", 2) +  // one IFD entry
                                 std::string("\x12\x01\x03\0\x01\0\0\0\x06\0\0\0", 12) +  // Orientation = 6
                                 std::string("\0\0\0\0", 4);                                    // no next IFD
        const std::string payload = std::string("Exif\0\0", 6) + tiff;
        const size_t length = payload.size() + 2;
        std::string app1 = std::string("\xff\xe1", 2) + char(length >> 8) + char(length & 0xff) + payload;
        std::string bytes(jpeg.begin(), jpeg.end());
        bytes.insert(2, app1);  // right after SOI
        QTemporaryDir dir;
        const QString path = dir.filePath("rotated.jpg");
        touch(path, bytes);
        const auto loaded = msf::io::loadImage(path.toStdString());
        QCOMPARE(loaded.pixels().cols, 20);
        QCOMPARE(loaded.pixels().rows, 40);
        // Rotated clockwise: the dark left edge is now the top rows.
        QVERIFY(cv::mean(loaded.pixels()(cv::Rect(0, 0, 20, 8)))[0] < 60);
        QVERIFY(cv::mean(loaded.pixels()(cv::Rect(0, 30, 20, 10)))[0] > 150);
    }
    void transparentPixelsAreReadOverBlack() {
        // OpenCV's decoder leaves the alpha channel out and shows the colour kept under a transparent pixel: a
        // mask exported as white on a transparent white background was read as all inside. PNG first.
        QTemporaryDir dir;
        const auto read = [&dir](const std::string& name, const std::string& bytes) {
            const QString path = dir.filePath(QString::fromStdString(name));
            touch(path, bytes);
            return msf::io::loadImage(path.toStdString());
        };
        const auto notesOf = [](const msf::io::Image& img) {
            QString all;
            for (const auto& n : msf::io::loadNotes(img)) all += QString::fromStdString(n) + "\n";
            return all;
        };
        {
            cv::Mat rgba(4, 6, CV_8UC4, cv::Scalar(255, 255, 255, 0));     // transparent white
            rgba(cv::Rect(1, 1, 2, 2)).setTo(cv::Scalar(30, 60, 250, 255));  // an opaque red square
            rgba.at<cv::Vec4b>(3, 5) = {200, 100, 50, 128};                 // half transparent
            const std::string path = dir.filePath("rgba.png").toStdString();
            QVERIFY(cv::imwrite(path, rgba));
            const auto img = msf::io::loadImage(path);
            QCOMPARE(img.pixels().type(), CV_8UC3);
            QCOMPARE(img.pixels().at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 0));
            QCOMPARE(img.pixels().at<cv::Vec3b>(1, 1), cv::Vec3b(30, 60, 250));
            QCOMPARE(img.pixels().at<cv::Vec3b>(3, 5), cv::Vec3b(100, 50, 25));  // 200 x 128 / 255 = 100.4
            QCOMPARE(img.meta.transparentPixels, size_t(20));
            QVERIFY2(notesOf(img).contains("20 pixels (83%) are transparent or partly so (its alpha channel): "
                                           "read over black"), qPrintable(notesOf(img)));
            // The same file as a mask: the square and the half-covered pixel are inside, nothing else.
            const cv::Mat mask = msf::io::loadMask(path);
            QCOMPARE(cv::countNonZero(mask), 5);
            QVERIFY(mask.at<uchar>(1, 2) != 0 && mask.at<uchar>(0, 0) == 0);
        }
        {
            cv::Mat opaque(3, 3, CV_8UC4, cv::Scalar(10, 20, 30, 255));  // alpha everywhere 255: nothing said
            const std::string path = dir.filePath("opaque.png").toStdString();
            QVERIFY(cv::imwrite(path, opaque));
            const auto img = msf::io::loadImage(path);
            QCOMPARE(img.pixels().at<cv::Vec3b>(2, 2), cv::Vec3b(10, 20, 30));
            QCOMPARE(img.meta.transparentPixels, size_t(0));
            QVERIFY(notesOf(img).isEmpty());
        }
        {
            cv::Mat deep(2, 2, CV_16UC4, cv::Scalar(40000, 40000, 40000, 65535));
            deep.at<cv::Vec4w>(0, 1) = {40000, 20000, 0, 32768};
            const std::string path = dir.filePath("deep.png").toStdString();
            QVERIFY(cv::imwrite(path, deep));
            const auto img = msf::io::loadImage(path);
            QCOMPARE(img.pixels().type(), CV_16UC3);
            QCOMPARE(img.pixels().at<cv::Vec3w>(0, 1), cv::Vec3w(20000, 10000, 0));  // x 32768 / 65535
            QCOMPARE(img.pixels().at<cv::Vec3w>(1, 1), cv::Vec3w(40000, 40000, 40000));
        }
        {
            // Grey with alpha (colour type 4), as GIMP writes a grey layer: two bytes per pixel.
            const auto img = read("grey_alpha.png", png_bytes::file(3, 2, 8, 4, {std::string("\xff\x00\xff\xff\x80\x00", 6),
                                                                                std::string("\xc8\xff\xc8\x00\xc8\xff", 6)}));
            QCOMPARE(img.pixels().channels(), 1);
            QCOMPARE(int(img.pixels().at<uchar>(0, 0)), 0);
            QCOMPARE(int(img.pixels().at<uchar>(0, 1)), 255);
            QCOMPARE(int(img.pixels().at<uchar>(0, 2)), 0);
            QCOMPARE(int(img.pixels().at<uchar>(1, 0)), 200);
            QCOMPARE(int(img.pixels().at<uchar>(1, 1)), 0);
            QCOMPARE(img.meta.transparentPixels, size_t(3));
        }
        {
            // A palette whose entry 0 (white) is transparent (a tRNS chunk), entry 1 opaque.
            const std::string palette("\xff\xff\xff\x0a\x14\x1e", 6), alpha("\x00", 1);
            const auto img = read("palette.png", png_bytes::file(2, 2, 8, 3, {std::string("\x00\x01", 2),
                                                                             std::string("\x01\x00", 2)},
                                                                {{"PLTE", palette}, {"tRNS", alpha}}));
            QCOMPARE(img.pixels().at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 0));
            QCOMPARE(img.pixels().at<cv::Vec3b>(0, 1), cv::Vec3b(30, 20, 10));  // BGR of (10, 20, 30)
            QCOMPARE(img.meta.transparentPixels, size_t(2));
        }
        {
            // Grey PNGs whose tRNS names one transparent grey (8-bit: 255; 1-bit: 1, which the decoder gives as
            // 255), for which the decoder gives no alpha channel at all.
            const auto grey8 = read("grey_trns.png", png_bytes::file(3, 1, 8, 0, {std::string("\xff\x10\xff", 3)},
                                                                    {{"tRNS", std::string("\x00\xff", 2)}}));
            QCOMPARE(grey8.pixels().channels(), 1);
            QCOMPARE(int(grey8.pixels().at<uchar>(0, 0)), 0);
            QCOMPARE(int(grey8.pixels().at<uchar>(0, 1)), 16);
            QCOMPARE(grey8.meta.transparentPixels, size_t(2));
            const auto grey1 = read("bits_trns.png", png_bytes::file(4, 1, 1, 0, {std::string("\xa0", 1)},  // 1 0 1 0
                                                                    {{"tRNS", std::string("\x00\x01", 2)}}));
            QCOMPARE(cv::countNonZero(grey1.pixels()), 0);
            QCOMPARE(grey1.meta.transparentPixels, size_t(2));
        }
        {
            // With an eXIf chunk saying "rotate 90 degrees clockwise" the decoder turns the colours; the alpha
            // channel is turned with them. 3 x 2 stored: an opaque grey left column, the rest transparent white.
            const std::string exif = std::string("II*\0\x08\0\0\0", 8) + std::string("\x01\0", 2) +
                                     std::string("\x12\x01\x03\0\x01\0\0\0\x06\0\0\0", 12) + std::string("\0\0\0\0", 4);
            const std::string opaqueGrey("\x50\x50\x50\xff", 4), clearWhite("\xff\xff\xff\x00", 4);
            const auto img = read("exif.png", png_bytes::file(3, 2, 8, 6, {opaqueGrey + clearWhite + clearWhite,
                                                                          opaqueGrey + clearWhite + clearWhite},
                                                             {{"eXIf", exif}}));
            QCOMPARE(img.meta.transparentPixels, size_t(4));
            const cv::Mat& px = img.pixels();
            QCOMPARE(px.cols, 2);  // turned: 2 x 3
            QCOMPARE(px.rows, 3);
            // The opaque left column is now the top row; the transparent white below it is black.
            QCOMPARE(px.at<cv::Vec3b>(0, 0), cv::Vec3b(80, 80, 80));
            QCOMPARE(px.at<cv::Vec3b>(0, 1), cv::Vec3b(80, 80, 80));
            for (int y = 1; y < 3; ++y)
                for (int x = 0; x < 2; ++x) QCOMPARE(px.at<cv::Vec3b>(y, x), cv::Vec3b(0, 0, 0));
        }
        {
            // TIFF and WebP (lossless) with alpha, as OpenCV writes them: the same, over black.
            cv::Mat rgba(3, 4, CV_8UC4, cv::Scalar(255, 255, 255, 0));
            rgba(cv::Rect(0, 0, 2, 3)).setTo(cv::Scalar(30, 60, 90, 255));
            for (const char* name : {"rgba.tif", "rgba.webp"}) {
                const std::string path = dir.filePath(name).toStdString();
                QVERIFY(cv::imwrite(path, rgba, {cv::IMWRITE_WEBP_QUALITY, 101}));  // > 100: lossless
                const auto img = msf::io::loadImage(path);
                QCOMPARE(img.pixels().at<cv::Vec3b>(1, 1), cv::Vec3b(30, 60, 90));
                QCOMPARE(img.pixels().at<cv::Vec3b>(1, 3), cv::Vec3b(0, 0, 0));
                QCOMPARE(img.meta.transparentPixels, size_t(6));
            }
            // A TIFF of associated alpha (ExtraSamples 1) stores its colours over black already: kept as they
            // are. Two RGBA pixels, uncompressed: (200, 100, 50) opaque and (100, 50, 25) half covered.
            const auto le16 = [](int v) { return std::string{char(v & 0xff), char(v >> 8)}; };
            const auto le32 = [&le16](int v) { return le16(v & 0xffff) + le16(v >> 16); };
            const auto entry = [&](int tag, int type, int count, int value) {
                return le16(tag) + le16(type) + le32(count) + (type == 3 && count == 1 ? le16(value) + le16(0) : le32(value));
            };
            const int entries = 10, ifd = 8, bitsAt = ifd + 2 + 12 * entries + 4, pixelsAt = bitsAt + 8;
            std::string tiff = std::string("II*\0", 4) + le32(ifd) + le16(entries) + entry(256, 3, 1, 2) +
                               entry(257, 3, 1, 1) + entry(258, 3, 4, bitsAt) + entry(259, 3, 1, 1) +
                               entry(262, 3, 1, 2) + entry(273, 4, 1, pixelsAt) + entry(277, 3, 1, 4) +
                               entry(278, 3, 1, 1) + entry(279, 4, 1, 8) + entry(338, 3, 1, 1) + le32(0);
            tiff += le16(8) + le16(8) + le16(8) + le16(8);
            tiff += std::string("\xc8\x64\x32\xff\x64\x32\x19\x80", 8);
            const auto associated = read("associated.tif", tiff);
            QCOMPARE(associated.pixels().at<cv::Vec3b>(0, 0), cv::Vec3b(50, 100, 200));
            QCOMPARE(associated.pixels().at<cv::Vec3b>(0, 1), cv::Vec3b(25, 50, 100));
            QCOMPARE(associated.meta.transparentPixels, size_t(1));
            // A 32-bit BMP with an alpha mask (BI_BITFIELDS, V4 header), as image editors write a transparent one:
            // over black too (it was read with the white kept under its transparent pixel). The same pixels as
            // BI_RGB: the fourth byte is unused, all opaque. Bottom-up: the first row stored is the image's last.
            for (const bool withAlpha : {true, false}) {
                const int header = withAlpha ? 108 : 40, pixelsFrom = 14 + header;
                std::string bmp = "BM" + le32(pixelsFrom + 16) + le32(0) + le32(pixelsFrom) + le32(header) + le32(2) +
                                  le32(2) + le16(1) + le16(32) + le32(withAlpha ? 3 : 0) + le32(16) +
                                  std::string(16, '\0');
                if (withAlpha)
                    bmp += le32(0x00ff0000) + le32(0x0000ff00) + le32(0x000000ff) + le32(int(0xff000000)) +
                           le32(0x73524742) + std::string(header - 60, '\0');
                bmp += std::string("\xff\xff\xff\xff" "\xff\xff\xff\x00" "\x00\x00\xff\x80" "\x00\xff\x00\xff", 16);
                const auto img = read(withAlpha ? "alpha.bmp" : "rgb32.bmp", bmp);
                QCOMPARE(img.pixels().size(), cv::Size(2, 2));
                QCOMPARE(img.pixels().at<cv::Vec3b>(1, 0), cv::Vec3b(255, 255, 255));  // opaque white
                QCOMPARE(img.pixels().at<cv::Vec3b>(0, 1), cv::Vec3b(0, 255, 0));
                QCOMPARE(img.pixels().at<cv::Vec3b>(1, 1), withAlpha ? cv::Vec3b(0, 0, 0) : cv::Vec3b(255, 255, 255));
                QCOMPARE(img.pixels().at<cv::Vec3b>(0, 0), withAlpha ? cv::Vec3b(0, 0, 128) : cv::Vec3b(0, 0, 255));
                QCOMPARE(img.meta.transparentPixels, size_t(withAlpha ? 2 : 0));
            }
            // A stack of pages with alpha: each page over black (the second page's transparent half on the
            // other side), counted over both.
            const std::string stack = dir.filePath("stack.tif").toStdString();
            cv::Mat flipped;
            cv::flip(rgba, flipped, 1);
            QVERIFY(cv::imwritemulti(stack, std::vector<cv::Mat>{rgba, flipped}));
            const auto pages = msf::io::loadImage(stack);
            QCOMPARE(pages.frameCount(), 2);
            QCOMPARE(pages.frames[0].at<cv::Vec3b>(1, 3), cv::Vec3b(0, 0, 0));
            QCOMPARE(pages.frames[0].at<cv::Vec3b>(1, 0), cv::Vec3b(30, 60, 90));
            QCOMPARE(pages.frames[1].at<cv::Vec3b>(1, 0), cv::Vec3b(0, 0, 0));
            QCOMPARE(pages.frames[1].at<cv::Vec3b>(1, 3), cv::Vec3b(30, 60, 90));
            QCOMPARE(pages.meta.transparentPixels, size_t(12));
            QVERIFY2(notesOf(pages).contains("12 pixels (50%) are transparent"), qPrintable(notesOf(pages)));
        }
        {
            // A file with DICOM's magic given to the raster reader (as the raster fuzzer does) is refused before
            // OpenCV hands it to GDCM, whose assertion on a damaged one (this one: a WebP header, then "DICM")
            // aborted the process.
            std::string dicm(128, '\0');
            dicm.replace(0, 4, "RIFF");
            const QString path = dir.filePath("dicm.webp");
            touch(path, dicm + "DICM" + std::string(16, '\0'));
            try {
                msf::io::readRaster(path.toStdString());
                QFAIL("read as a raster image");
            } catch (const msf::io::IoError& e) {
                QVERIFY2(QString(e.what()).contains("is a DICOM file"), e.what());
            }
        }
        {
            // An RGBA file whose pixel data stops after two of its four rows (found by scripts/fuzz.sh): the
            // decoder's empty result keeps its four channels, and was split as if it held pixels (a crash).
            const std::string row(4 * 8, '\x7f');
            const QString damaged = dir.filePath("damaged.png");
            touch(damaged, png_bytes::file(4, 4, 16, 6, {row, row}));
            QVERIFY2(errorOf(damaged.toStdString()).startsWith(damaged + ": cannot decode image"),
                     qPrintable(errorOf(damaged.toStdString())));
        }
    }
    void sixteenBitPngKeepsDepthAndNormalises() {
        QTemporaryDir dir;
        cv::Mat img(4, 4, CV_16U, cv::Scalar(1000));
        img.at<uint16_t>(0, 0) = 3000;
        const std::string path = dir.filePath("a.png").toStdString();
        cv::imwrite(path, img);
        const auto loaded = msf::io::loadImage(path);
        QCOMPARE(loaded.pixels().depth(), CV_16U);
        QCOMPARE(loaded.meta.bitsStored, 16);
        const cv::Mat n = msf::io::normalizedForSegmentation(loaded);
        QCOMPARE(n.at<float>(0, 0), 1.0f);
        QCOMPARE(n.at<float>(1, 1), 0.0f);
    }
    void aPaletteLabelMapIsReadByItsIndices() {
        // Pascal VOC's and LabelMe's label PNGs (and ImageJ's label TIFFs) are palette images: index 1 dark red (128, 0, 0), 16 dark green
        // (0, 64, 0), both grey 38, so read by colour they were one label "38". Read as a mask, the indices are
        // the labels; read as an image, the colours are shown.
        QTemporaryDir dir;
        std::string palette(17 * 3, '\0');
        palette[1 * 3] = char(128);
        palette[2 * 3 + 1] = char(128);
        palette[16 * 3 + 1] = char(64);
        const std::vector<std::string> rows{std::string("\x00\x01\x01\x10", 4), std::string("\x00\x02\x10\x10", 4),
                                            std::string("\x00\x00\x00\x00", 4)};
        const std::string voc = dir.filePath("voc.png").toStdString();
        touch(QString::fromStdString(voc), png_bytes::file(4, 3, 8, 3, rows, {{"PLTE", palette}}));
        QCOMPARE(msf::io::labelsText(msf::io::maskLabels(voc)), std::string("1, 2, 16"));
        msf::io::MaskFrame which;
        which.label = 16;
        const cv::Mat sixteen = msf::io::loadMask(voc, which);
        QCOMPARE(cv::countNonZero(sixteen), 3);
        QCOMPARE(int(sixteen.at<uchar>(0, 3)), 255);
        QCOMPARE(int(sixteen.at<uchar>(0, 1)), 0);  // label 1, of the same grey
        which.label = 1;
        QCOMPARE(cv::countNonZero(msf::io::loadMask(voc, which)), 2);
        QCOMPARE(cv::countNonZero(msf::io::loadMask(voc)), 6);
        const auto asMask = msf::io::loadImage(voc, [] {
            msf::io::LoadOptions o;
            o.asMask = true;
            return o;
        }());
        QVERIFY(std::find(asMask.meta.readerNotes.begin(), asMask.meta.readerNotes.end(),
                          "a palette image: its colour indices are read as the labels") != asMask.meta.readerNotes.end());
        const auto asImage = msf::io::loadImage(voc);
        QCOMPARE(asImage.pixels().at<cv::Vec3b>(0, 1), cv::Vec3b(0, 0, 128));  // BGR of the palette's colour
        // 4-bit indices, packed two to a byte: the same values.
        const std::string packed = dir.filePath("packed.png").toStdString();
        touch(QString::fromStdString(packed),
              png_bytes::file(8, 2, 4, 3, {std::string("\x11\x22\x00\x00", 4), std::string("\x33\x30\x00\x00", 4)},
                              {{"PLTE", palette.substr(0, 4 * 3)}}));  // at most 16 entries at 4 bits
        QCOMPARE(msf::io::labelsText(msf::io::maskLabels(packed)), std::string("1, 2, 3"));
        which.label = 2;
        QCOMPARE(int(msf::io::loadMask(packed, which).at<uchar>(0, 2)), 255);
        // A palette whose entry 0 is not black (white paper, black ink at index 1): index 0 and "outside" are not
        // the same, so its colours are read as any image's (the white is the inside), as before.
        std::string inked("\xff\xff\xff\x00\x00\x00", 6);
        const std::string ink = dir.filePath("ink.png").toStdString();
        touch(QString::fromStdString(ink), png_bytes::file(4, 3, 8, 3, {std::string("\x00\x01\x01\x00", 4),
                                                                       std::string("\x00\x00\x00\x00", 4),
                                                                       std::string("\x00\x00\x00\x00", 4)},
                                                          {{"PLTE", inked}}));
        QCOMPARE(cv::countNonZero(msf::io::loadMask(ink)), 10);
        // A two-page 8-bit palette TIFF (an ImageJ label stack with a LUT): each page's indices.
        const std::string stack = dir.filePath("labels.tif").toStdString();
        {
            TIFF* tif = TIFFOpen(stack.c_str(), "w");
            QVERIFY(tif);
            std::vector<uint16_t> red(256, 0), green(256, 0), blue(256, 0);
            red[1] = 128 * 257;
            green[16] = 64 * 257;
            green[2] = 128 * 257;
            const std::vector<std::vector<uint8_t>> pages{{0, 1, 1, 16, 0, 1, 16, 16}, {2, 2, 0, 0, 2, 2, 0, 0}};
            for (const auto& page : pages) {
                TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, 4);
                TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 2);
                TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
                TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
                TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_PALETTE);
                TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
                TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_LZW);
                TIFFSetField(tif, TIFFTAG_COLORMAP, red.data(), green.data(), blue.data());
                for (uint32_t y = 0; y < 2; ++y) TIFFWriteScanline(tif, const_cast<uint8_t*>(page.data() + 4 * y), y, 0);
                TIFFWriteDirectory(tif);
            }
            TIFFClose(tif);
        }
        QCOMPARE(msf::io::labelsText(msf::io::maskLabels(stack)), std::string("1, 2, 16"));
        const auto stackImage = msf::io::loadImage(stack);
        QCOMPARE(stackImage.frameCount(), 2);
        QCOMPARE(stackImage.frames[0].at<cv::Vec3b>(0, 1), cv::Vec3b(0, 0, 128));  // as an image: its colours
        QCOMPARE(cv::countNonZero(msf::io::loadMaskFrames(stack, stackImage, 16)[0]), 3);
        QCOMPARE(cv::countNonZero(msf::io::loadMaskFrames(stack, stackImage, 1)[0]), 3);
        QCOMPARE(cv::countNonZero(msf::io::loadMaskFrames(stack, stackImage, 2)[1]), 4);
        // A palette PNG with an eXIf chunk ("rotate 90 degrees clockwise"): the indices turned as the colours are.
        const std::string exif = std::string("II*\0\x08\0\0\0", 8) + std::string("\x01\0", 2) +
                                 std::string("\x12\x01\x03\0\x01\0\0\0\x06\0\0\0", 12) + std::string("\0\0\0\0", 4);
        const std::string turned = dir.filePath("turned.png").toStdString();
        touch(QString::fromStdString(turned), png_bytes::file(4, 3, 8, 3, rows, {{"PLTE", palette}, {"eXIf", exif}}));
        const cv::Mat shown = msf::io::loadImage(turned).pixels();
        QCOMPARE(shown.cols, 3);
        which.label = 16;
        const cv::Mat turnedSixteen = msf::io::loadMask(turned, which);
        QCOMPARE(turnedSixteen.size(), shown.size());
        QCOMPARE(cv::countNonZero(turnedSixteen), 3);
        for (int y = 0; y < shown.rows; ++y)
            for (int x = 0; x < shown.cols; ++x)
                QCOMPARE(turnedSixteen.at<uchar>(y, x) != 0, shown.at<cv::Vec3b>(y, x) == cv::Vec3b(0, 64, 0));
    }
    void aColourLabelMapNamesItsLabelsByColour() {
        // An RGB label map is read by its colours' grey: each label is named by its colour, and a grey that two
        // colours share (dark red and dark green, both 38) says so and cannot be chosen on its own. The blended
        // colour of an antialiased edge (1 pixel wide, here 10% of its grey's pixels) is no other class.
        QTemporaryDir dir;
        cv::Mat map(20, 40, CV_8UC3, cv::Scalar(0, 0, 0));
        map(cv::Rect(0, 0, 10, 10)).setTo(cv::Scalar(0, 0, 128));   // BGR of #800000
        map(cv::Rect(10, 0, 10, 10)).setTo(cv::Scalar(0, 64, 0));   // #004000
        map(cv::Rect(20, 0, 10, 10)).setTo(cv::Scalar(0, 128, 0));  // #008000, grey 75
        map.at<cv::Vec3b>(5, 30) = cv::Vec3b(0, 127, 1);           // grey 75 too
        for (int y = 0; y < 10; ++y) map.at<cv::Vec3b>(y, 19) = cv::Vec3b(0, 127, 1);  // an antialiased edge of it
        const std::string path = dir.filePath("colours.png").toStdString();
        QVERIFY(cv::imwrite(path, map));
        QCOMPARE(msf::io::labelsText(msf::io::maskLabels(path)),
                 std::string("38 (#800000 and #004000, 2 colours of one grey), 75 (#008000)"));
        msf::io::checkMaskLabel(path, 75);
        QString error;
        try {
            msf::io::checkMaskLabel(path, 38);
        } catch (const msf::io::IoError& e) {
            error = e.what();
        }
        QVERIFY2(error.startsWith(QString::fromStdString(path)) &&
                     error.contains("label 38 is #800000 and #004000, 2 colours of one grey: their classes cannot be told apart"),
                 qPrintable(error));
        // Read with that label (as the app's label chooser does), the same refusal; label 75 reads as its pixels.
        error.clear();
        msf::io::MaskFrame which;
        which.label = 38;
        try {
            msf::io::loadMask(path, which);
        } catch (const msf::io::IoError& e) {
            error = e.what();
        }
        QVERIFY2(error.contains("2 colours of one grey: their classes cannot be told apart"), qPrintable(error));
        which.label = 75;
        QCOMPARE(cv::countNonZero(msf::io::loadMask(path, which)), 111);
        // A grey label map saved as RGB names no colours.
        cv::Mat grey(20, 40, CV_8UC3, cv::Scalar(0, 0, 0));
        grey(cv::Rect(0, 0, 10, 10)).setTo(cv::Scalar(1, 1, 1));
        grey(cv::Rect(10, 0, 10, 10)).setTo(cv::Scalar(2, 2, 2));
        const std::string greyPath = dir.filePath("grey_rgb.png").toStdString();
        QVERIFY(cv::imwrite(greyPath, grey));
        QCOMPARE(msf::io::labelsText(msf::io::maskLabels(greyPath)), std::string("1, 2"));
    }
    void aLabelOfALabelMapIsReadOnItsOwn() {
        // A label map (BraTS-like 1, 2, 4; a PNG of 0 / 1 / 2) read as a mask is every non-zero label; with a
        // label, that label's pixels only. An intensity image holds no labels; an absent label is refused.
        QTemporaryDir dir;
        cv::Mat png = cv::Mat::zeros(20, 30, CV_8U);
        png(cv::Rect(2, 2, 5, 5)).setTo(1);
        png(cv::Rect(10, 10, 8, 4)).setTo(2);
        const std::string labels = dir.filePath("labels.png").toStdString();
        QVERIFY(cv::imwrite(labels, png));
        const auto found = msf::io::maskLabels(labels);
        QCOMPARE(int(found.size()), 2);
        QCOMPARE(found[1].value, 2);
        QCOMPARE(found[1].name, std::string("label 2"));
        QCOMPARE(msf::io::labelsText(found), std::string("1, 2"));
        QCOMPARE(cv::countNonZero(msf::io::loadMask(labels)), 25 + 32);
        msf::io::MaskFrame two;
        two.label = 2;
        QCOMPARE(cv::countNonZero(msf::io::loadMask(labels, two) != (png == 2)), 0);
        msf::io::checkMaskLabel(labels, 2);
        QString error;
        try {
            msf::io::checkMaskLabel(labels, 3);
        } catch (const msf::io::IoError& e) {
            error = e.what();
        }
        QVERIFY2(error.startsWith(QString::fromStdString(labels)) && error.contains("has no label 3 (its labels: 1, 2)"),
                 qPrintable(error));
        // 117 labels in blocks (as TotalSegmentator writes) are a label map; 20 grey values in noise are not.
        cv::Mat organs(60, 80, CV_16U, cv::Scalar(0)), noise(60, 80, CV_8U);
        for (int i = 0; i < 117; ++i) organs(cv::Rect((i % 13) * 6, (i / 13) * 6, 5, 5)).setTo(i + 1);
        cv::randu(noise, 1, 21);
        const std::string organsPath = dir.filePath("organs.png").toStdString(), noisePath = dir.filePath("noise.png").toStdString();
        QVERIFY(cv::imwrite(organsPath, organs) && cv::imwrite(noisePath, noise));
        QCOMPARE(int(msf::io::maskLabels(organsPath).size()), 117);
        // Labels beyond 255 (FreeSurfer's cortical parcels, 1000-2035), in a 16-bit map (found by fuzzing: the
        // colour names' table was read past its end).
        cv::Mat parcels(20, 40, CV_16U, cv::Scalar(0));
        parcels(cv::Rect(0, 0, 10, 10)).setTo(1000);
        parcels(cv::Rect(20, 0, 10, 10)).setTo(2035);
        const std::string parcelsPath = dir.filePath("parcels.png").toStdString();
        QVERIFY(cv::imwrite(parcelsPath, parcels));
        QCOMPARE(msf::io::labelsText(msf::io::maskLabels(parcelsPath)), std::string("1000, 2035"));
        QVERIFY(msf::io::maskLabels(noisePath).empty());
        const std::string jpeg = dir.filePath("labels.jpg").toStdString();  // lossy: levels blur into their neighbours
        QVERIFY(cv::imwrite(jpeg, cv::Mat(png * 100)));
        QVERIFY(msf::io::maskLabels(jpeg).empty());
        // A NIfTI volume of labels 1, 2 and 4 on its image's grid: each frame's label 4 only.
        const std::array<double, 12> ras{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
        const std::string image = dir.filePath("t1.nii.gz").toStdString(), seg = dir.filePath("seg.nii.gz").toStdString();
        writeTestNifti(image, 6, 5, 4, 1, ras);
        writeTestNifti(seg, 6, 5, 4, 1, ras);  // values 100 k + 10 j + i: no label map
        QVERIFY(msf::io::maskLabels(seg).empty());
        try {
            msf::io::checkMaskLabel(seg, 1);
        } catch (const msf::io::IoError& e) {
            error = e.what();
        }
        QVERIFY2(error.contains("not a label map"), qPrintable(error));
        nifti_image* nim = nifti_image_read(seg.c_str(), 1);
        QVERIFY(nim);
        auto* v = static_cast<float*>(nim->data);
        // Each 6-voxel row one label (a label map is piecewise constant): row r of the file is label [0, 1, 2, 4][r % 4].
        for (int64_t i = 0; i < int64_t(nim->nvox); ++i) v[i] = float(std::array<int, 4>{0, 1, 2, 4}[(i / 6) % 4]);
        nifti_image_write(nim);
        nifti_image_free(nim);
        QCOMPARE(msf::io::labelsText(msf::io::maskLabels(seg)), std::string("1, 2, 4"));
        const auto t1 = msf::io::loadImage(image);
        const auto all = msf::io::loadMaskFrames(seg, t1), four = msf::io::loadMaskFrames(seg, t1, 4);
        QCOMPARE(int(four.size()), 4);
        for (int f = 0; f < 4; ++f) {
            int labelled = 0, fours = 0;  // voxels 30 f .. 30 f + 29 of the file
            for (int i = 30 * f; i < 30 * f + 30; ++i) {
                labelled += (i / 6) % 4 != 0;
                fours += (i / 6) % 4 == 3;
            }
            QCOMPARE(cv::countNonZero(all[f]), labelled);
            QCOMPARE(cv::countNonZero(four[f]), fours);
            QCOMPARE(cv::countNonZero(four[f] & ~all[f]), 0);
        }
    }
    void aMultiPageTiffIsReadAsFrames() {
        // A TIFF stack was read as its first page only. Its pages of the first
        // page's size and type are the frames (a smaller preview page is not);
        // --frame / a reference mask's frame picks a page.
        QTemporaryDir dir;
        std::vector<cv::Mat> pages;
        for (int i = 0; i < 4; ++i) pages.push_back(cv::Mat(30, 40, CV_16U, cv::Scalar(1000 * (i + 1))));
        pages.push_back(cv::Mat(8, 10, CV_16U, cv::Scalar(7)));  // a preview page
        const std::string path = dir.filePath("stack.tif").toStdString();
        QVERIFY(cv::imwritemulti(path, pages));
        const auto stack = msf::io::loadImage(path);
        QCOMPARE(stack.frameCount(), 4);
        QCOMPARE(stack.current, 0);
        QCOMPARE(stack.meta.bitsStored, 16);
        for (int i = 0; i < 4; ++i) QCOMPARE(stack.frames[i].at<uint16_t>(5, 5), static_cast<uint16_t>(1000 * (i + 1)));
        msf::io::LoadOptions o;
        o.frame = 2;
        QCOMPARE(msf::io::loadImage(path, o).pixels().at<uint16_t>(0, 0), static_cast<uint16_t>(3000));
        o.frame = 4;
        QVERIFY_THROWS_EXCEPTION(msf::io::IoError, msf::io::loadImage(path, o));
        // A mask stack gives the page of the frame asked for; colour pages stay BGR.
        std::vector<cv::Mat> masks = {cv::Mat::zeros(30, 40, CV_8U), cv::Mat::zeros(30, 40, CV_8U)};
        masks[1](cv::Rect(0, 0, 10, 10)).setTo(255);
        const std::string maskPath = dir.filePath("stack_mask.tif").toStdString();
        QVERIFY(cv::imwritemulti(maskPath, masks));
        QCOMPARE(cv::countNonZero(msf::io::loadMask(maskPath, 1)), 100);
        QCOMPARE(cv::countNonZero(msf::io::loadMask(maskPath, 0)), 0);
        const std::string colourPath = dir.filePath("colour.tif").toStdString();
        QVERIFY(cv::imwritemulti(colourPath, std::vector<cv::Mat>(2, cv::Mat(6, 6, CV_8UC3, cv::Scalar(10, 20, 30)))));
        const auto colour = msf::io::loadImage(colourPath);
        QCOMPARE(colour.frameCount(), 2);
        QCOMPARE(colour.frames[1].at<cv::Vec3b>(0, 0), cv::Vec3b(10, 20, 30));
    }
    void displayedFrameIsTheSegmentationInputIn8Bits() {
        // What the viewer draws (one pass, 8 bits) and what the segmenter gets
        // (float) agree to within one grey level, whatever the window rule.
        auto image = [](cv::Mat px, const std::string& photometric, msf::io::Window w) {
            msf::io::Image im;
            im.frames = {px};
            im.meta.photometric = photometric;
            im.meta.window = w;
            return im;
        };
        cv::Mat u16(64, 80, CV_16U), f32(64, 80, CV_32F), rgb(64, 80, CV_8UC3);
        cv::randu(u16, 0, 4096);
        cv::randu(f32, -1000.0f, 2000.0f);  // CT in HU
        cv::randu(rgb, cv::Scalar::all(0), cv::Scalar::all(256));
        const std::vector<std::pair<const char*, msf::io::Image>> cases = {
            {"16-bit, a window", image(u16, "MONOCHROME2", {1500, 1000, "file"})},
            {"16-bit MONOCHROME1", image(u16, "MONOCHROME1", {2000, 3000, "file"})},
            {"16-bit, no window (auto)", image(u16, "MONOCHROME2", {})},
            {"HU, the wide window", image(f32, "MONOCHROME2", {-300, 1400, "wide"})},
            {"RGB photo, no window", image(rgb, "RGB", {})},
        };
        for (const auto& [what, im] : cases) {
            cv::Mat expected, shown = msf::io::displayedFrame(im);
            msf::io::normalizedForSegmentation(im).convertTo(expected, CV_8U, 255.0);
            QCOMPARE(shown.type(), expected.type());
            QCOMPARE(shown.size(), expected.size());
            cv::Mat diff;
            cv::absdiff(shown.reshape(1), expected.reshape(1), diff);
            double worst = 0;
            cv::minMaxLoc(diff, nullptr, &worst);
            QVERIFY2(worst <= 1, qPrintable(QString("%1: %2 grey levels apart").arg(what).arg(worst)));
            // The window spread the values: neither all black nor all white.
            QVERIFY2(cv::mean(shown)[0] > 20 && cv::mean(shown)[0] < 235, what);
        }
    }

    void maskRoundTripAndNoSilentOverwrite() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("m.png").toStdString();
        cv::Mat m = cv::Mat::zeros(8, 8, CV_8U);
        m(cv::Rect(2, 2, 3, 3)).setTo(1);
        msf::io::writeMaskPng(path, m, false);
        const cv::Mat back = cv::imread(path, cv::IMREAD_UNCHANGED);
        QCOMPARE(cv::countNonZero(back == 255), 9);
        QCOMPARE(cv::countNonZero(back), 9);
        QVERIFY_THROWS_EXCEPTION(msf::io::IoError, msf::io::writeMaskPng(path, cv::Mat::zeros(8, 8, CV_8U), false));
        QCOMPARE(cv::countNonZero(cv::imread(path, cv::IMREAD_UNCHANGED)), 9);  // untouched
        msf::io::writeMaskPng(path, cv::Mat::zeros(8, 8, CV_8U), true);
        QCOMPARE(cv::countNonZero(cv::imread(path, cv::IMREAD_UNCHANGED)), 0);
        // Label maps keep their ids in 16 bits.
        cv::Mat labels(2, 2, CV_32S, cv::Scalar(300));
        msf::io::writeLabelPng(dir.filePath("l.png").toStdString(), labels, false);
        // PNG bytes are not written under another format's name, nor under none.
        for (const char* name : {"l.tif", "l.jpg", "l"}) {
            const std::string other = dir.filePath(name).toStdString();
            try {
                msf::io::writeLabelPng(other, labels, false);
                QFAIL(name);
            } catch (const msf::io::IoError& e) {
                QVERIFY2(QString(e.what()).contains(name) && QString(e.what()).contains(".png"), e.what());
            }
            QVERIFY(!QFileInfo::exists(QString::fromStdString(other)));
        }
        msf::io::writeMaskPng(dir.filePath("UPPER.PNG").toStdString(), labels > 0, false);  // any case
        QVERIFY(QFileInfo::exists(dir.filePath("UPPER.PNG")));
        QCOMPARE(cv::imread(dir.filePath("l.png").toStdString(), cv::IMREAD_UNCHANGED).at<uint16_t>(1, 1), uint16_t(300));
    }
    void anImageGivenAsAMaskIsRefused() {
        // Swapped image and mask folders must not score against a "mask" that
        // is nearly all foreground.
        QTemporaryDir dir;
        cv::Mat photo(64, 64, CV_8UC3);
        cv::randu(photo, cv::Scalar::all(0), cv::Scalar::all(256));
        const std::string photoPath = dir.filePath("photo.png").toStdString();
        QVERIFY(cv::imwrite(photoPath, photo));
        try {
            msf::io::loadMask(photoPath);
            QFAIL("a photo was read as a mask");
        } catch (const msf::io::IoError& e) {
            QVERIFY2(QString(e.what()).startsWith(QString::fromStdString(photoPath) + ": not a mask"), e.what());
        }
        // Binary, label-map and JPEG-compressed masks are masks.
        cv::Mat binary = cv::Mat::zeros(64, 64, CV_8U), labels = binary.clone();
        cv::circle(binary, {32, 32}, 20, cv::Scalar(255), cv::FILLED);
        for (int l = 1; l <= 6; ++l) labels(cv::Rect(8 * l, 8, 6, 40)).setTo(l);
        const std::string binaryPng = dir.filePath("b.png").toStdString(), labelPng = dir.filePath("l.png").toStdString();
        const std::string binaryJpeg = dir.filePath("b.jpg").toStdString();
        QVERIFY(cv::imwrite(binaryPng, binary) && cv::imwrite(labelPng, labels));
        QVERIFY(cv::imwrite(binaryJpeg, binary, {cv::IMWRITE_JPEG_QUALITY, 75}));
        QCOMPARE(cv::countNonZero(msf::io::loadMask(binaryPng)), cv::countNonZero(binary));
        QCOMPARE(cv::countNonZero(msf::io::loadMask(labelPng)), 6 * 6 * 40);
        QVERIFY(cv::countNonZero(msf::io::loadMask(binaryJpeg)) >= cv::countNonZero(binary));
    }
    void failedWriteLeavesNoFile() {
        if (geteuid() == 0) QSKIP("root ignores folder permissions");
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkdir("ro"));
        chmod(dir.filePath("ro").toLocal8Bit().constData(), 0555);
        QVERIFY_THROWS_EXCEPTION(msf::io::IoError,
                                 msf::io::writeFileAtomic(dir.filePath("ro/x.bin").toStdString(), {1, 2, 3}, false));
        QCOMPARE(QDir(dir.filePath("ro")).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).size(), 0);
    }
    void failureAfterWritingLeavesNoTemporaryFile() {
        // The finished temporary file cannot be moved onto a folder of the same name.
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkdir("target.png"));
        QVERIFY_THROWS_EXCEPTION(msf::io::IoError,
                                 msf::io::writeFileAtomic(dir.filePath("target.png").toStdString(), {1, 2, 3}, true));
        const auto left = QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
        QCOMPARE(left, QStringList{"target.png"});
    }
    void writeIntoMissingFolderIsAClearError() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("nope/x.png").toStdString();
        try {
            msf::io::writeFileAtomic(path, {1}, false);
            QFAIL("no error");
        } catch (const msf::io::IoError& e) {
            QVERIFY(QString(e.what()).startsWith(QString::fromStdString(path)));
        }
    }
    void severalFramesAreNamedByTheirRanges() {
        QCOMPARE(msf::io::framesTag({3, 4, 5, 8}), std::string("_frames3-5_8"));
        QCOMPARE(msf::io::framesTag({0, 2}), std::string("_frames0_2"));
        QCOMPARE(msf::io::framesTag({7}), std::string("_frames7"));
        QCOMPARE(msf::io::framesTag({1, 2, 3, 10, 11, 20}), std::string("_frames1-3_10-11_20"));
        QCOMPARE(msf::io::frameRanges({1, 2, 3, 10, 11, 20}), std::string("1-3, 10-11, 20"));  // for messages
        QCOMPARE(msf::io::frameRanges({}), std::string());
    }
    void pairsByStemWithMaskSuffixes() {
        QTemporaryDir dir;
        QDir(dir.path()).mkdir("img");
        QDir(dir.path()).mkdir("msk");
        for (auto n : {"a.dcm", "b.png", "c.jpg", "d.nii.gz", "e.png", "f.nrrd", "G.NII.GZ"})
            touch(dir.filePath(QString("img/") + n));
        // (f.seg.nrrd: 3D Slicer's name for the segmentation of f.nrrd; G: a Windows tool's capitals)
        for (auto n : {"a.png", "b_mask.png", "c_lesion.png", "d_segmentation.nii.gz", "f.seg.nrrd", "z.png",
                       "G_MASK.NII.GZ"})
            touch(dir.filePath(QString("msk/") + n));
        std::vector<std::string> problems;
        const auto pairs = msf::io::pairImagesWithMasks(dir.filePath("img").toStdString(),
                                                        dir.filePath("msk").toStdString(), &problems);
        QCOMPARE(int(pairs.size()), 6);
        QCOMPARE(QString::fromStdString(pairs[0].stem), QString("G"));
        QCOMPARE(QString::fromStdString(pairs[4].stem), QString("d"));
        QCOMPARE(QString::fromStdString(pairs[5].stem), QString("f"));
        QCOMPARE(int(problems.size()), 2);  // e has no mask, z has no image
        QVERIFY_THROWS_EXCEPTION(msf::io::IoError,
                                 msf::io::pairImagesWithMasks(dir.filePath("none").toStdString(), "", nullptr));
        // The stem exports are named after pairs back: case.nii.gz -> case_mask.nii.gz.
        QCOMPARE(msf::io::fileStem("/data/case.nii.gz"), std::string("case"));
        QCOMPARE(msf::io::fileStem("/data/patient.v2.dcm"), std::string("patient.v2"));
        QCOMPARE(msf::io::maskStem(msf::io::fileStem("/data/case.nii.gz") + "_mask.nii.gz"), std::string("case"));
    }
    // NIfTI voxels are stored in whatever axis order the converter chose; a
    // viewer shows axial slices with the patient's left on the right and
    // anterior at the top, coronal and sagittal ones with superior at the top
    // (sagittal: anterior on the left). Shown as stored, the ITK brain's
    // coronal slices were upside down and Colin27's axial ones rotated 180°.
    void niftiSlicesAreShownAsRadiologyViewersShowThem_data() {
        // "nifti", a NRRD layout ("nrrd lps gzip", "nrrd ras detached"), or a MetaImage one ("mha", "mhd zlib")
        QTest::addColumn<QString>("container");
        QTest::addColumn<QString>("plane");
        QTest::addColumn<int>("dx");
        QTest::addColumn<int>("dy");
        QTest::addColumn<bool>("transposed");
        QTest::addColumn<int>("shownCorner");  // stored voxel (0, 0) shown at 0 top left, 1 top right, 2 bottom left, 3 bottom right
        // voxel -> RAS, row by row: +x toward the patient's right, +y anterior, +z superior.
        QTest::addColumn<QVector<double>>("ras");
        // Each case as NIfTI, as NRRD (3D Slicer's volumes: space directions in LPS or RAS) and as MetaImage (ITK's:
        // a direction matrix in LPS): read alike.
        const auto row = [](const char* name, const char* plane, int dx, int dy, bool transposed, int corner,
                            const QVector<double>& ras) {
            for (const char* container :
                 {"nifti", "nrrd lps gzip", "nrrd ras detached", "nrrd lps detached gzip", "mha", "mhd zlib"})
                QTest::newRow(qPrintable(QString("%1, %2").arg(name, container)))
                    << container << plane << dx << dy << transposed << corner << ras;
        };
        // RAS+ as written by nibabel/FSL (Colin27): i to the right, j to anterior: voxel (0, 0) is left-posterior.
        row("axial RAS", "axial", 2, 3, false, 3, {2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 4, 0});
        // LPS as DICOM stores it: i to the left, j to posterior: shown as stored.
        row("axial LPS", "axial", 2, 3, false, 0, {-2, 0, 0, 0, 0, -3, 0, 0, 0, 0, 4, 0});
        // The ITK brain: i to the left, j to superior, k to anterior: coronal, j upside down as stored.
        row("coronal ITK", "coronal", 2, 3, false, 2, {-2, 0, 0, 0, 0, 0, 4, 0, 0, 3, 0, 0});
        // i to posterior, j to the left: the slice is shown transposed.
        row("axial transposed", "axial", 2, 3, true, 0, {0, -3, 0, 0, -2, 0, 0, 0, 0, 0, 4, 0});
        // Sagittal: k to the right, i to anterior, j to superior: anterior on the left, superior at the top.
        row("sagittal", "sagittal", 2, 3, false, 3, {0, 0, 4, 0, 2, 0, 0, 0, 0, 3, 0, 0});
        // An origin away from 0 (the translation column) is kept as well.
        row("axial RAS, origin", "axial", 2, 3, false, 3, {2, 0, 0, -90.5, 0, 3, 0, 126, 0, 0, 4, -72});
    }
    void niftiSlicesAreShownAsRadiologyViewersShowThem() {
        QFETCH(QString, container);
        QFETCH(QString, plane);
        QFETCH(int, dx);
        QFETCH(int, dy);
        QFETCH(bool, transposed);
        QFETCH(int, shownCorner);
        QFETCH(QVector<double>, ras);
        std::array<double, 12> affine{};
        std::copy(ras.begin(), ras.end(), affine.begin());
        QTemporaryDir dir;
        const int nx = 5, ny = 4, nz = 3;
        const bool nrrd = container.startsWith("nrrd"), metaImage = container.startsWith("mh");
        const std::string path = dir.filePath(nrrd ? (container.contains("detached") ? "v.nhdr" : "v.nrrd")
                                              : metaImage ? "v." + container.left(3) : "v.nii.gz").toStdString();
        if (nrrd)
            writeTestNrrd(path, nx, ny, nz, affine,
                          {container.contains("lps"), container.contains("gzip"), container.contains("detached")});
        else if (metaImage)
            writeTestMetaImage(path, nx, ny, nz, affine, container.contains("zlib"));
        else
            writeTestNifti(path, nx, ny, nz, 1, affine);
        const auto img = msf::io::loadImage(path);
        const QString format = nrrd ? "NRRD" : metaImage ? "MetaImage" : "NIfTI";
        QCOMPARE(QString::fromStdString(img.meta.format), format);
        QCOMPARE(img.meta.sliceSpacing, 4.0);
        // The provenance sidecar says how the shown slice (PNG outputs, COCO) maps back to the stored voxels.
        {
            const std::string sidecar = dir.filePath("v.provenance.json").toStdString();
            msf::io::writeProvenanceJson(sidecar, img, msf::io::Provenance{}, {}, false);
            QFile f(QString::fromStdString(sidecar));
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QJsonObject grid =
                QJsonDocument::fromJson(f.readAll()).object()["source"].toObject()[format.toLower()].toObject();
            QCOMPARE(grid["plane"].toString(), plane);
            QCOMPARE(grid["shown_from_stored"].toObject()["transpose"].toBool(), transposed);
        }
        QCOMPARE(QString::fromStdString(msf::io::slicePlane(img)), plane);
        QCOMPARE(img.frameCount(), nz);  // slices stay along k, in file order
        const cv::Mat& shown = img.frames[1];
        QCOMPARE(shown.cols, transposed ? ny : nx);
        QCOMPARE(shown.rows, transposed ? nx : ny);
        QCOMPARE(img.meta.spacingX, double(transposed ? dy : dx));
        QCOMPARE(img.meta.spacingY, double(transposed ? dx : dy));
        const cv::Point corner(shownCorner % 2 ? shown.cols - 1 : 0, shownCorner / 2 ? shown.rows - 1 : 0);
        QCOMPARE(shown.at<float>(corner), 100.f);  // stored voxel (0, 0, 1)
        // The letters a viewer puts on the left and top edges: the same for every storage order of a plane.
        const auto e = msf::io::edgeLetters(img);
        const QString leftTop = QString::fromStdString(e[0] + e[1] + e[2] + e[3]);
        QCOMPARE(leftTop, plane == "axial" ? QString("RALP") : plane == "coronal" ? QString("RSLI") : QString("ASPI"));
        // Each shown step moves one stored voxel along i or j: no resampling.
        const float right = shown.at<float>(0, 1) - shown.at<float>(0, 0), down = shown.at<float>(1, 0) - shown.at<float>(0, 0);
        QVERIFY2(std::set<float>({std::abs(right), std::abs(down)}) == std::set<float>({1.f, 10.f}),
                 qPrintable(QString("%1 %2").arg(right).arg(down)));
        // A mask drawn on the shown slice is written back on the stored grid:
        // the voxel under the shown pixel, with the source's affine.
        cv::Mat mask = cv::Mat::zeros(shown.size(), CV_8U);
        const cv::Point at(1, 2);
        mask.at<uchar>(at) = 255;
        const std::string out = dir.filePath("m.nii.gz").toStdString();
        msf::io::writeNiftiMask(out, mask, img, false);
        nifti_image* back = nifti_image_read(out.c_str(), 1);
        QVERIFY(back);
        QCOMPARE(int(back->nx), nx);
        QCOMPARE(int(back->ny), ny);
        const int storedIndex = int(shown.at<float>(at)) - 100;  // 10 j + i
        const auto* v = static_cast<const uint8_t*>(back->data);
        int inside = 0, where = -1;
        for (int64_t n = 0; n < back->nvox; ++n)
            if (v[n]) ++inside, where = int(n);
        QCOMPARE(inside, 1);
        QCOMPARE(where, 1 * nx * ny + (storedIndex / 10) * nx + storedIndex % 10);
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 4; ++c) QCOMPARE(back->sto_xyz.m[r][c], affine[4 * r + c]);
        // Read back, the mask is where it was drawn; also when a tool has
        // dropped its affine (it then shares its image's voxel grid).
        QCOMPARE(cv::countNonZero(msf::io::loadMask(out, 1) != (mask > 0)), 0);
        back->sform_code = back->qform_code = 0;
        const std::string bare = dir.filePath("bare.nii.gz").toStdString();
        nifti_set_filenames(back, bare.c_str(), 0, 1);
        nifti_image_write(back);
        nifti_image_free(back);
        QCOMPARE(cv::countNonZero(msf::io::loadMask(bare, msf::io::maskFrameFor(img)) != (mask > 0)), 0);
        // ... or when its header holds other axes than the image's (the same voxels): still the image's grid.
        const std::string lps = dir.filePath("lps.nii.gz").toStdString();
        {
            nifti_image* other = nifti_image_read(out.c_str(), 1);
            nifti_dmat44 a{};
            a.m[0][0] = a.m[1][1] = -1;
            a.m[2][2] = a.m[3][3] = 1;
            other->sto_xyz = other->qto_xyz = a;
            other->sform_code = 1;
            other->qform_code = 0;
            nifti_set_filenames(other, lps.c_str(), 0, 1);
            nifti_image_write(other);
            nifti_image_free(other);
        }
        QCOMPARE(cv::countNonZero(msf::io::loadMask(lps, msf::io::maskFrameFor(img)) != (mask > 0)), 0);
        // The same mask as MetaImage (ITK's, Grand Challenge's) and as NRRD (3D Slicer's .seg.nrrd): the same
        // voxel on the same grid, read back by their readers as the image's affine, and onto the shown slice.
        const std::string mha = dir.filePath("m.mha").toStdString(), segNrrd = dir.filePath("m.seg.nrrd").toStdString();
        msf::io::writeMetaImageMask(mha, mask, img, false);
        msf::io::writeNrrdMask(segNrrd, mask, img, false);
        for (const auto& [file, fileFormat] : {std::pair{mha, QString("MetaImage")}, std::pair{segNrrd, QString("NRRD")}}) {
            const auto back = msf::io::loadImage(file);
            QCOMPARE(QString::fromStdString(back.meta.format), fileFormat);
            QCOMPARE(back.meta.volumeDims, (std::array<int, 3>{nx, ny, nz}));
            for (int r = 0; r < 3; ++r)
                for (int c = 0; c < 4; ++c)
                    QVERIFY2(std::abs(back.meta.niftiAffine[r][c] - affine[4 * r + c]) < 1e-9,
                             qPrintable(QString("%1: affine[%2][%3] %4 vs %5").arg(fileFormat).arg(r).arg(c)
                                            .arg(back.meta.niftiAffine[r][c]).arg(affine[4 * r + c])));
            QCOMPARE(cv::countNonZero((back.frames[1] > 0) != (mask > 0)), 0);
            QCOMPARE(cv::countNonZero(back.frames[0]) + cv::countNonZero(back.frames[2]), 0);
            QCOMPARE(cv::countNonZero(msf::io::loadMask(file, msf::io::maskFrameFor(img)) != (mask > 0)), 0);
        }
        {
            std::ifstream in(mha, std::ios::binary);
            std::string header((std::istreambuf_iterator<char>(in)), {});
            header.resize(header.find("ElementDataFile"));
            QVERIFY2(header.find("CompressedData = True") != std::string::npos, header.c_str());
            // ITK's letters, the side each axis comes from: DICOM's LPS storage order is ITK's "RAI".
            if (QString(QTest::currentDataTag()).startsWith("axial LPS"))
                QVERIFY2(header.find("AnatomicalOrientation = RAI") != std::string::npos, header.c_str());
            if (QString(QTest::currentDataTag()).startsWith("coronal ITK"))
                QVERIFY2(header.find("AnatomicalOrientation = RIP") != std::string::npos, header.c_str());
        }
        // NRRD in Slicer's LPS space, with its segment's fields.
        {
            std::ifstream in(segNrrd, std::ios::binary);
            std::string header((std::istreambuf_iterator<char>(in)), {});
            header.resize(header.find("\n\n"));
            const int i = storedIndex % 10, j = storedIndex / 10;  // the voxel's stored (i, j), in slice k = 1
            const std::string extent = std::to_string(i) + " " + std::to_string(i) + " " + std::to_string(j) + " " +
                                       std::to_string(j) + " 1 1";
            for (const std::string& field : std::vector<std::string>{"space: left-posterior-superior", "encoding: gzip",
                                            "Segment0_Name:=target", "Segment0_LabelValue:=1",
                                            "Segment0_Extent:=" + extent,
                                            "Segmentation_MasterRepresentation:=Binary labelmap"})
                QVERIFY2(header.find(field + "\n") != std::string::npos, qPrintable(QString::fromStdString(field + " in\n" + header)));
        }
        if (metaImage) {  // A MetaImage mask of the image's grid (ITK's label maps) is read on that grid too.
            std::string header;
            {
                std::ifstream in(path, std::ios::binary);
                for (std::string line; std::getline(in, line) && line.rfind("ElementDataFile", 0) != 0;)
                    if (line.rfind("ElementType", 0) != 0 && line.rfind("Compressed", 0) != 0) header += line + "\n";
            }
            std::string voxels(size_t(nx) * ny * nz, '\0');
            voxels[size_t(where)] = 1;
            const std::string label = dir.filePath("label.mha").toStdString();
            std::ofstream(label, std::ios::binary) << header << "ElementType = MET_UCHAR\nElementDataFile = LOCAL\n" << voxels;
            QCOMPARE(cv::countNonZero(msf::io::loadMask(label, msf::io::maskFrameFor(img)) != (mask > 0)), 0);
        }
    }
    void metaImageReadErrorsNameTheFileAndTheProblem() {
        // MetaIO goes on after a short data file or a bad zlib stream (saying so on stderr, or not at all) with its
        // buffer part filled: each is refused, with the file named.
        QTemporaryDir dir;
        const auto error = [&dir](const char* name, const std::string& content) { return problemOf(dir, name, content); };
        const std::string header = "NDims = 2\nDimSize = 4 4\nElementType = MET_UCHAR\n";
        const std::string sixteen = "0123456789abcdef";
        QVERIFY(error("text.mha", "hello world\n").contains("not a MetaImage file"));
        QVERIFY(error("binary.mha", "\x89PNG\r\n\x1a\n").contains("not a MetaImage file"));
        QVERIFY(error("empty.mha", "").contains("file is empty"));
        QString e = error("short.mha", header + "ElementDataFile = LOCAL\n" + sixteen.substr(0, 10));
        QVERIFY2(e.contains("is truncated: 10 of the 16 bytes"), qPrintable(e));
        touch(dir.filePath("cut.raw"), sixteen.substr(0, 7));
        e = error("cut.mhd", header + "ElementDataFile = cut.raw\n");
        QVERIFY2(e.contains("data file cut.raw") && e.contains("truncated: 7 of the 16"), qPrintable(e));
        QVERIFY(error("gone.mhd", header + "ElementDataFile = gone.raw\n").contains("gone.raw cannot be read"));
        const std::string packed = deflatedBytes(sixteen, 15);  // zlib, as MetaIO writes
        QVERIFY(!packed.empty());
        const std::string zheader = header + "CompressedData = True\nElementDataFile = LOCAL\n";
        touch(dir.filePath("whole.mha"), zheader + packed);
        QCOMPARE(msf::io::loadImage(dir.filePath("whole.mha").toStdString()).pixels().at<float>(3, 1), float('d'));
        e = error("cutz.mha", zheader + packed.substr(0, packed.size() / 2));
        QVERIFY2(e.contains("zlib data is truncated"), qPrintable(e));
        std::string damaged = packed;
        damaged[2] = char(0xff);  // the first byte of the deflate stream: an invalid block type
        QVERIFY(error("damaged.mha", zheader + damaged).contains("zlib data is corrupt"));
        QVERIFY(error("plainz.mha", zheader + sixteen).contains("not zlib-compressed"));
        // A LIST of slice files: each named file is read in turn, a missing, short or unnamed one said (MetaIO's
        // own reading wrote before its string on an empty name line, found by fuzzing).
        touch(dir.filePath("s0.raw"), sixteen.substr(0, 8));
        e = error("list.mha", "NDims = 3\nDimSize = 4 2 2\nElementType = MET_UCHAR\nElementDataFile = LIST\ns0.raw\ns1.raw\n");
        QVERIFY2(e.contains("its LIST's file 2 (s1.raw) cannot be read"), qPrintable(e));
        e = error("listgap.mha", "NDims = 3\nDimSize = 4 2 2\nElementType = MET_UCHAR\nElementDataFile = LIST\ns0.raw\n\n");
        QVERIFY2(e.contains("its LIST has an empty line where file 2 of its 2 is named"), qPrintable(e));
        e = error("listshort.mha", "NDims = 3\nDimSize = 4 2 2\nElementType = MET_UCHAR\nElementDataFile = LIST\ns0.raw");
        QVERIFY2(e.contains("its LIST names 1 of the 2 files its DimSize needs"), qPrintable(e));
        touch(dir.filePath("s9.raw"), sixteen.substr(0, 5));
        e = error("listcut.mha", "NDims = 3\nDimSize = 4 2 2\nElementType = MET_UCHAR\nElementDataFile = LIST\ns0.raw\ns9.raw\n");
        QVERIFY2(e.contains("its LIST's file 2 (s9.raw) is truncated: 5 of the 8 bytes"), qPrintable(e));
        touch(dir.filePath("s1.raw"), sixteen.substr(8));
        const auto listed = msf::io::loadImage(dir.filePath("list.mha").toStdString());
        QCOMPARE(listed.frameCount(), 2);
        QCOMPARE(listed.frames[1].at<float>(1, 3), float('f'));  // slice 1, stored row 1 (shown as stored: LPS)
        // Numbered slice files: "name%d.raw first last step", or the pattern alone (files 1 to the slice count).
        touch(dir.filePath("n1.raw"), sixteen.substr(0, 8));
        touch(dir.filePath("n2.raw"), sixteen.substr(8));
        for (const char* pattern : {"n%d.raw", "n%d.raw 1 2 1"}) {
            touch(dir.filePath("numbered.mha"), std::string("NDims = 3\nDimSize = 4 2 2\nElementType = MET_UCHAR\n"
                                                            "ElementDataFile = ") + pattern + "\n");
            const auto read = msf::io::loadImage(dir.filePath("numbered.mha").toStdString());
            QCOMPARE(read.frameCount(), 2);
            QCOMPARE(read.frames[1].at<float>(0, 0), float('8'));
        }
        // A LIST of 2-D slabs says so; a LIST dimension MetaIO would index its arrays by (a negative one crashed it,
        // found by fuzzing), and a pattern it would hand printf a "%s" or "%n" as its format, are refused.
        touch(dir.filePath("slabs.mha"), "NDims = 3\nDimSize = 4 2 2\nElementType = MET_UCHAR\nElementDataFile = LIST 2D\n"
                                         "s0.raw\ns1.raw\n");
        QCOMPARE(msf::io::loadImage(dir.filePath("slabs.mha").toStdString()).frames[1].at<float>(1, 3), float('f'));
        QVERIFY(error("slabs-.mha", "NDims = 3\nDimSize = 4 2 2\nElementType = MET_UCHAR\nElementDataFile = LIST -5\n"
                                    "s0.raw\ns1.raw\n").contains("is not a LIST of files of 1 to 3 dimensions"));
        QVERIFY(error("format.mha", "NDims = 3\nDimSize = 4 2 2\nElementType = MET_UCHAR\nElementDataFile = n%s.raw\n")
                    .contains("not a numbered-file pattern"));
        // A pattern whose step MetaIO derives as 0 made it divide by zero (found by fuzzing: this header, where
        // "ElementDataFile = LOC..." ran into the next line's words): refused before MetaIO reads it.
        e = error("pattern.mha", "NDims = 2\nDimSize = 4 3\nElementType = MET_SHORT\n"
                                 "ElementDataFile = LOCnaryData%ByteOrderMSB = False\n" + std::string(24, 'x'));
        QVERIFY2(e.contains("is not a numbered-file pattern this reader takes"), qPrintable(e));
        QVERIFY(error("step0.mha", "NDims = 3\nDimSize = 4 2 2\nElementType = MET_UCHAR\nElementDataFile = n%d.raw 1 2\n")
                    .contains("not a numbered-file pattern"));
        // No data file named (MetaIO then read its header's stream as compressed data, a 2^63-byte allocation,
        // found by fuzzing), or compressed data MetaIO would inflate unchecked: refused.
        QVERIFY(error("nodata.mha", zheader.substr(0, zheader.find("ElementDataFile")) + "ElementDataFile = \x02\n" + packed)
                    .contains("names no data file"));
        QVERIFY(error("ziplist.mha", "NDims = 3\nDimSize = 4 2 2\nElementType = MET_UCHAR\nCompressedData = True\n"
                                     "ElementDataFile = LIST\ns0.raw\ns1.raw\n").contains("compressed data split over several files"));
        // Headers that are not an image, refused before any data is allocated.
        QVERIFY(error("huge.mha", "NDims = 3\nDimSize = 100000 100000 100000\nElementType = MET_FLOAT\n"
                                  "ElementDataFile = LOCAL\n").contains("too large"));
        // An NDims MetaIO would read for ever (2999999999 values per field, found by fuzzing) or past its arrays
        // of 10: refused before MetaIO reads the header.
        QVERIFY(error("ndims.mha", "ObjectType = Image\nNDims = 2999999999\nDimSize = 4 6\nElementType = MET_SHORT\n"
                                   "ElementDataFile = LOCAL\n").contains("its NDims \"2999999999\" is not a dimension count"));
        QVERIFY(error("eleven.mha", "NDims = 11\nDimSize = 1 1 1 1 1 1 1 1 1 1 1\nElementType = MET_UCHAR\n"
                                    "ElementDataFile = LOCAL\nx").contains("from 1 to 10"));
        // A Comment, Name or key of 255 to 999 characters overran MetaIO's 255-byte buffers (an abort): refused.
        QVERIFY(error("comment.mha", "Comment = " + std::string(300, 'c') + "\nNDims = 2\nDimSize = 2 1\n"
                                     "ElementType = MET_UCHAR\nElementDataFile = LOCAL\nxy").contains("characters long"));
        QVERIFY(error("key.mha", "NDims = 2\n" + std::string(300, 'k') + " = 1\nDimSize = 2 1\nElementType = MET_UCHAR\n"
                                 "ElementDataFile = LOCAL\nxy").contains("MetaIO takes names and texts of up to 254"));
        // MetaIO takes ':' as '=' and reads on past a line that only starts like its last field: its NDims and its
        // 255-byte buffers are guarded there too (found by fuzzing: a long name after "ElementDataFile T=..." aborted it).
        QVERIFY(error("colon.mha", "ObjectType = Image\nNDims : 2999999999\nDimSize : 4 6\nElementType : MET_SHORT\n"
                                   "ElementDataFile : LOCAL\n").contains("is not a dimension count"));
        QVERIFY(error("notlast.mha", "NDims = 2\nDimSize = 2 1\nElementType = MET_UCHAR\nElementDataFile T=I\n" +
                                         std::string(260, 'k') + " = 1\nElementDataFile = LOCAL\nxy")
                    .contains("MetaIO takes names and texts of up to 254"));
        {  // A long line of a numeric array (a 4-D TransformMatrix written with all its digits) is read.
            std::string matrix;
            for (int i = 0; i < 16; ++i) matrix += i % 5 ? " 0.00000000000000000" : " 1.00000000000000000";
            QVERIFY(matrix.size() >= 255);
            touch(dir.filePath("matrix.mha"), "NDims = 4\nDimSize = 2 1 1 1\nTransformMatrix =" + matrix +
                                                  "\nElementType = MET_UCHAR\nElementDataFile = LOCAL\nxy");
            QCOMPARE(msf::io::loadImage(dir.filePath("matrix.mha").toStdString()).pixels().at<float>(0, 1), float('y'));
        }
        QVERIFY(error("line.mha", "NDims = 1\nDimSize = 16\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n" + sixteen)
                    .contains("1 dimension(s)"));
        QVERIFY(error("negative.mha", "NDims = 2\nDimSize = -4 4\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n")
                    .contains("DimSize along axis 0 is -4"));
        QVERIFY(error("strings.mha", "NDims = 2\nDimSize = 4 4\nElementType = MET_STRING\nElementDataFile = LOCAL\n" +
                                         sixteen).contains("ElementType MET_STRING is not a number"));
        // Headers MetaIO cannot parse, or whose ElementType it takes as MET_OTHER: said why (it was "MetaIO cannot
        // parse it", the reason on std::cerr only, and "ElementType MET_OTHER" for the file's own word).
        const std::vector<std::pair<std::string, QString>> unreadable{
            {"NDims = 2\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n", "it has no DimSize line"},
            {"NDims = 2\nDimSize = 4 4\nElementDataFile = LOCAL\n", "it has no ElementType line"},
            {"DimSize = 4 4\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n", "it has no NDims line"},
            {"ndims = 2\nDimSize = 4 4\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n",
             "its field \"ndims\" is spelt NDims in a MetaImage header"},
            {"NDims = 2\nDimSize = 4 x\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n",
             "its DimSize \"4 x\" is not 2 whole numbers"},
            {"NDims = 3\nDimSize = 4 4\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n",
             "its DimSize \"4 4\" has 2 sizes, its NDims 3"},
            {"NDims = 2\nDimSize = 4 4\nElementType = MET_FOO\nElementDataFile = LOCAL\n",
             "its ElementType \"MET_FOO\" is not a MetaImage element type"},
            {"NDims = 2\nDimSize = 4 4\nElementType = uchar\nElementDataFile = LOCAL\n",
             "its ElementType \"uchar\" is not a MetaImage element type"}};
        for (const auto& [text, why] : unreadable) {
            e = error("unreadable.mha", text + sixteen);
            QVERIFY2(e.contains(why), qPrintable(e));
        }
    }
    void metaImageValuesChannelsAndAxesAreRead() {
        QTemporaryDir dir;
        const auto load = [&dir](const char* name, const std::string& content) {
            touch(dir.filePath(name), content);
            return msf::io::loadImage(dir.filePath(name).toStdString());
        };
        const auto hasNote = [](const msf::io::Image& img, const std::string& text) {
            return std::any_of(img.meta.readerNotes.begin(), img.meta.readerNotes.end(),
                               [&text](const std::string& n) { return n.find(text) != std::string::npos; });
        };
        // Big-endian 16-bit values (BinaryDataByteOrderMSB), raw and compressed: 256, 1, -1, -32768.
        const std::string msb("\x01\x00\x00\x01\xff\xff\x80\x00", 8);
        for (const bool z : {false, true}) {
            const auto img = load(z ? "msbz.mha" : "msb.mha",
                                  std::string("NDims = 2\nDimSize = 4 1\nElementType = MET_SHORT\nBinaryDataByteOrderMSB = "
                                              "True\nCompressedData = ") + (z ? "True" : "False") +
                                      "\nElementDataFile = LOCAL\n" + (z ? deflatedBytes(msb, 15) : msb));
            const cv::Mat& p = img.pixels();
            QCOMPARE(p.at<float>(0, 0), 256.f);
            QCOMPARE(p.at<float>(0, 1), 1.f);
            QCOMPARE(p.at<float>(0, 2), -1.f);
            QCOMPARE(p.at<float>(0, 3), -32768.f);
            QVERIFY(img.meta.isSigned);
        }
        // Values written as text (BinaryData = False) are read here (MetaIO leaked its stream on a missing file,
        // found by fuzzing); a missing file, too few values or a word that is no number are said.
        const auto text = load("text.mha", "NDims = 2\nDimSize = 2 2\nElementType = MET_SHORT\nBinaryData = False\n"
                                           "ElementDataFile = LOCAL\n1 -2 3 400\n");
        QCOMPARE(text.pixels().at<float>(1, 1), 400.f);
        QCOMPARE(text.pixels().at<float>(0, 1), -2.f);
        touch(dir.filePath("textgone.mha"), "NDims = 2\nDimSize = 2 2\nElementType = MET_UCHAR\nBinaryData = False\n"
                                            "ElementDataFile = gone.txt\n");
        QVERIFY(errorOf(dir.filePath("textgone.mha").toStdString()).contains("gone.txt cannot be read"));
        touch(dir.filePath("textshort.mha"), "NDims = 2\nDimSize = 2 2\nElementType = MET_UCHAR\nBinaryData = False\n"
                                             "ElementDataFile = LOCAL\n1 2 3\n");
        QVERIFY(errorOf(dir.filePath("textshort.mha").toStdString()).contains("ends after 3 of the 4 values"));
        touch(dir.filePath("textword.mha"), "NDims = 2\nDimSize = 2 2\nElementType = MET_UCHAR\nBinaryData = False\n"
                                            "ElementDataFile = LOCAL\n1 2 x 4\n");
        QVERIFY(errorOf(dir.filePath("textword.mha").toStdString()).contains("holds \"x\" where value 3 should be a number"));
        // ElementToIntensityFunction slope and offset are applied, and said.
        const auto scaled = load("slope.mha", "NDims = 2\nDimSize = 2 1\nElementType = MET_UCHAR\n"
                                              "ElementToIntensityFunctionSlope = 2\nElementToIntensityFunctionOffset = -10\n"
                                              "ElementDataFile = LOCAL\n\x05\x07");
        QCOMPARE(scaled.pixels().at<float>(0, 0), 0.f);
        QCOMPARE(scaled.pixels().at<float>(0, 1), 4.f);
        QVERIFY(hasNote(scaled, "ElementToIntensityFunction is applied"));
        // 3 uchar channels are colour (BGR in memory, as a photo's); 2 float channels: the first, said.
        const auto rgb = load("rgb.mha", "NDims = 2\nDimSize = 2 1\nElementType = MET_UCHAR\nElementNumberOfChannels = 3\n"
                                         "ElementDataFile = LOCAL\n\x0a\x14\x1e\x28\x32\x3c");
        QCOMPARE(rgb.pixels().type(), CV_8UC3);
        QCOMPARE(rgb.pixels().at<cv::Vec3b>(0, 1), cv::Vec3b(60, 50, 40));
        QCOMPARE(QString::fromStdString(rgb.meta.photometric), QString("RGB"));
        const float complexValues[4] = {1.5f, -7.f, 2.5f, -8.f};
        const auto complex = load("complex.mha", "NDims = 2\nDimSize = 2 1\nElementType = MET_FLOAT\n"
                                                 "ElementNumberOfChannels = 2\nElementDataFile = LOCAL\n" +
                                                     std::string(reinterpret_cast<const char*>(complexValues), 16));
        QCOMPARE(complex.pixels().at<float>(0, 1), 2.5f);
        QVERIFY(hasNote(complex, "2 components: only the first is read"));
        // A 4-D image (a time series): the first volume, said; 8 slices of 2 x 1, k along the third axis.
        std::string series;
        for (int t = 0; t < 2; ++t)
            for (int k = 0; k < 4; ++k) series += std::string{char(10 * t + 2 * k), char(10 * t + 2 * k + 1)};
        const auto fourD = load("series.mha", "NDims = 4\nDimSize = 2 1 4 2\nElementType = MET_UCHAR\n"
                                              "ElementDataFile = LOCAL\n" + series);
        QCOMPARE(fourD.frameCount(), 4);
        QCOMPARE(fourD.frames[3].at<float>(0, 1), 7.f);
        QVERIFY(hasNote(fourD, "2 volumes along its axes beyond the third: only the first is read"));
        // A 2-D image lies in ITK's LPS plane z = 0, as ITK reads it: identity directions are shown as stored
        // (i to the patient's left, j posterior: axial), a mirrored one is turned back.
        const auto flat = load("flat.mha", "NDims = 2\nDimSize = 2 1\nElementType = MET_UCHAR\nElementSpacing = 0.5 0.7\n"
                                           "ElementDataFile = LOCAL\n\x01\x02");
        QCOMPARE(QString::fromStdString(msf::io::slicePlane(flat)), QString("axial"));
        QCOMPARE(flat.pixels().at<float>(0, 0), 1.f);
        QCOMPARE(flat.meta.spacingX, 0.5);
        QCOMPARE(flat.meta.spacingY, 0.7);
        const auto mirrored = load("mirrored.mha", "NDims = 2\nDimSize = 2 1\nElementType = MET_UCHAR\n"
                                                   "TransformMatrix = -1 0 0 1\nElementDataFile = LOCAL\n\x01\x02");
        QCOMPARE(mirrored.pixels().at<float>(0, 0), 2.f);
        QVERIFY(mirrored.meta.niftiTurn.mirrorColumns);
        // A .mhd and its data file of the same name are one image of a folder, not an image and a stray file.
        QDir(dir.path()).mkdir("cases");
        touch(dir.filePath("cases/case1.mhd"), "NDims = 2\nDimSize = 2 1\nElementType = MET_UCHAR\nElementDataFile = case1.raw\n");
        touch(dir.filePath("cases/case1.raw"), "\x01\x02");
        touch(dir.filePath("cases/case2.mha"), "x");
        touch(dir.filePath("cases/notes.raw"), "x");
        std::vector<std::string> others;
        const auto images = msf::io::imageFilesIn(dir.filePath("cases").toStdString(), &others);
        QCOMPARE(int(images.size()), 2);
        QCOMPARE(int(others.size()), 1);  // notes.raw has no header of its name
        QVERIFY(QString::fromStdString(others[0]).endsWith("notes.raw"));
    }
    void nrrdReadErrorsNameTheFileAndTheProblem() {
        QTemporaryDir dir;
        const auto error = [&dir](const char* name, const std::string& content) { return problemOf(dir, name, content); };
        const std::string header = "NRRD0004\ntype: uchar\ndimension: 2\nsizes: 4 4\nendian: little\n";
        // Teem reads plain text numbers as a table: a .nrrd without the magic is refused, not read so.
        QVERIFY(error("table.nrrd", "1 2 3\n4 5 6\n").contains("not a NRRD file"));
        QVERIFY(error("short.nrrd", header + "encoding: raw\n\nabc").contains("cannot read the NRRD data"));
        QVERIFY(error("gone.nhdr", header + "encoding: raw\ndata file: gone.raw\n").contains("gone.raw"));
        QVERIFY(error("sizes.nrrd", "NRRD0004\ntype: uchar\ndimension: 2\nsizes: 4 x\nencoding: raw\n\n0123456789abcdef")
                    .contains("not a readable NRRD header"));
        // zlib would read bytes that are not gzip as they are, a wrong picture: refused.
        QVERIFY(error("notgzip.nrrd", header + "encoding: gzip\n\n0123456789abcdef").contains("not gzip-compressed"));
        QVERIFY(error("line.nrrd", "NRRD0004\ntype: uchar\ndimension: 1\nsizes: 16\nencoding: raw\n\n0123456789abcdef")
                    .contains("1 spatial axes"));
        // A header claiming 10^15 voxels is refused before anything is allocated for them.
        QVERIFY(error("huge.nrrd", "NRRD0004\ntype: float\ndimension: 3\nsizes: 100000 100000 100000\nendian: little\n"
                                   "encoding: raw\n\n").contains("too large"));
        QVERIFY(error("empty.nrrd", "").contains("file is empty"));
        // A header Teem refuses after it has opened its data (here the file itself): Teem closes the file and
        // leaves its pointer behind, which was closed again (a double free, found by fuzzing).
        QVERIFY(error("kinds.nrrd", "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 6 2 2\nkinds: RGB-color domain domain\n"
                                    "encoding: raw\n\n" + std::string(24, 'x'))
                    .contains("not a readable NRRD header: axis 0 kind RGB-color requires size 3, but have 6"));
        // gzip data cut short, or damaged: said so (Teem's own gzip reader leaked its stream on each).
        const std::string packed = deflatedBytes(std::string(16, 'x'), 15 + 16);  // gzip
        QVERIFY(!packed.empty());
        const std::string gzipHeader = header + "encoding: gzip\n\n";
        touch(dir.filePath("whole.nrrd"), gzipHeader + packed);
        QCOMPARE(msf::io::loadImage(dir.filePath("whole.nrrd").toStdString()).pixels().at<float>(3, 3), float('x'));
        QVERIFY(error("cut.nrrd", gzipHeader + packed.substr(0, packed.size() / 2)).contains("gzip data is truncated"));
        std::string damaged = packed;
        damaged[10] = char(0xff);  // the first byte of the deflate stream: an invalid block type
        QVERIFY(error("damaged.nrrd", gzipHeader + damaged).contains("gzip data is corrupt"));
        // The bytes of a good file as a raw NRRD's: read as written.
        touch(dir.filePath("good.nrrd"), header + "encoding: raw\n\n0123456789abcdef");
        const auto good = msf::io::loadImage(dir.filePath("good.nrrd").toStdString());
        QCOMPARE(good.pixels().size(), cv::Size(4, 4));
        QCOMPARE(good.pixels().at<float>(3, 1), float('d'));  // row j = 3, column i = 1: byte 13
        QCOMPARE(good.meta.spacingX, 0.0);  // no spacing given: unknown, not 1 mm
    }
    void nrrdColourListAxesAndLabelMapsAreRead() {
        QTemporaryDir dir;
        // An RGB-color axis (Slicer's colour volumes): read as colour, BGR as photos are.
        const std::string rgb = dir.filePath("rgb.nrrd").toStdString();
        touch(QString::fromStdString(rgb), std::string("NRRD0004\ntype: uchar\ndimension: 3\nsizes: 3 2 1\nkinds: RGB-color "
                                                       "domain domain\nencoding: raw\n\n") + "\x0a\x14\x1e\x28\x32\x3c");
        const auto colour = msf::io::loadImage(rgb);
        QCOMPARE(colour.pixels().type(), CV_8UC3);
        QCOMPARE(colour.pixels().at<cv::Vec3b>(0, 1), cv::Vec3b(60, 50, 40));
        // A segmentation with overlapping layers (Slicer's 4-D .seg.nrrd: a "list" axis first, then i, j, k): the
        // first layer is read, the others said; as a mask, a label of it is its voxels of that value.
        const std::string seg = dir.filePath("case.seg.nrrd").toStdString();
        std::string voxels(2 * 4 * 3 * 2, '\0');
        for (int k = 0; k < 2; ++k)
            for (int j = 0; j < 3; ++j)
                for (int i = 0; i < 4; ++i) {
                    voxels[2 * ((k * 3 + j) * 4 + i)] = char(i == 1 ? 2 : j == 2 ? 1 : 0);  // layer 0
                    voxels[2 * ((k * 3 + j) * 4 + i) + 1] = 7;                              // layer 1
                }
        touch(QString::fromStdString(seg), "NRRD0004\ntype: uchar\ndimension: 4\nspace: left-posterior-superior\n"
                                           "sizes: 2 4 3 2\nspace directions: none (0.5,0,0) (0,0.5,0) (0,0,2)\n"
                                           "kinds: list domain domain domain\nencoding: raw\nspace origin: (10,20,30)\n\n" +
                                               voxels);
        const auto layers = msf::io::loadImage(seg);
        QCOMPARE(layers.frameCount(), 2);
        QCOMPARE(layers.meta.niftiVolumes, 2);
        QCOMPARE(layers.meta.spacingX, 0.5);
        QCOMPARE(layers.meta.sliceSpacing, 2.0);
        QCOMPARE(layers.meta.niftiAffine[0][3], -10.0);  // LPS origin as RAS
        QCOMPARE(layers.meta.niftiAffine[1][1], -0.5);
        QVERIFY(std::any_of(layers.meta.readerNotes.begin(), layers.meta.readerNotes.end(),
                            [](const std::string& n) { return n.find("axis 0 (list") != std::string::npos; }));
        double lo, hi;
        cv::minMaxLoc(layers.pixels(), &lo, &hi);
        QCOMPARE(hi, 2.0);  // layer 0's values, not layer 1's 7
        // A time series in a space with time ("right-anterior-superior-time"): its time axis has a direction
        // too, but is not spatial: the first time point is read (it was "4 spatial axes").
        const std::string series = dir.filePath("series.nrrd").toStdString();
        touch(QString::fromStdString(series), "NRRD0004\ntype: uchar\ndimension: 4\nspace: right-anterior-superior-time\n"
                                              "sizes: 2 2 2 3\nspace directions: (1,0,0,0) (0,1,0,0) (0,0,1,0) (0,0,0,1)\n"
                                              "kinds: domain domain domain time\nencoding: raw\nspace origin: (0,0,0,0)\n\n" +
                                                  std::string(8, '\x05') + std::string(16, '\x09'));
        const auto firstTime = msf::io::loadImage(series);
        QCOMPARE(firstTime.frameCount(), 2);
        QCOMPARE(firstTime.meta.niftiVolumes, 3);
        cv::minMaxLoc(firstTime.frames[0], &lo, &hi);
        QCOMPARE(hi, 5.0);
        // LPS i (to the left) and j (to posterior): shown as stored. Label 2 is column 1, label 1 row 2.
        msf::io::MaskFrame which = msf::io::maskFrameFor(layers);
        which.label = 2;
        const cv::Mat two = msf::io::loadMask(seg, which);
        QCOMPARE(cv::countNonZero(two), 3);
        QCOMPARE(cv::countNonZero(two.col(1)), 3);
        which.label = 0;
        QCOMPARE(cv::countNonZero(msf::io::loadMask(seg, which)), 6);  // any label: column 1 and row 2
    }
    void aCroppedSlicerSegmentationLiesOnItsImage() {
        // 3D Slicer saves a .seg.nrrd cropped to its segments' extent, its origin at the box's first voxel: the
        // mask is put on the image's grid (it was "another image's mask"). Image: LPS-aligned, shown as stored.
        QTemporaryDir dir;
        const std::string image = dir.filePath("ct.nrrd").toStdString();
        writeTestNrrd(image, 5, 4, 3, {-2, 0, 0, 0, 0, -3, 0, 0, 0, 0, 4, 0}, {});
        const auto ct = msf::io::loadImage(image);
        // A 2 x 2 x 1 box from voxel (1, 2, 1): LPS origin (2, 6, 4); label 1 in three voxels, 0 in one.
        const auto writeSeg = [&dir](const char* name, const std::string& origin, const std::string& extra,
                                     const std::string& sizes = "2 2 1", const std::string& voxels = std::string("\x01\x01\x00\x01", 4)) {
            const std::string path = dir.filePath(name).toStdString();
            touch(QString::fromStdString(path),
                  "NRRD0004\ntype: unsigned char\ndimension: " + std::to_string(extra.empty() ? 3 : 4) +
                      "\nspace: left-posterior-superior\nsizes: " + sizes + "\nspace directions: " +
                      (extra.empty() ? "" : "none ") + "(2,0,0) (0,3,0) (0,0,4)\nkinds: " + (extra.empty() ? "" : "list ") +
                      "domain domain domain\nencoding: raw\nspace origin: " + origin +
                      "\nSegmentation_MasterRepresentation:=Binary labelmap\nSegmentation_ReferenceImageExtentOffset:=1 2 1\n"
                      "Segment0_ID:=Segment_1\nSegment0_Name:=tumour\nSegment0_LabelValue:=1\nSegment0_Layer:=0\n\n" + voxels);
            return path;
        };
        const std::string seg = writeSeg("ct.seg.nrrd", "(2,6,4)", "");
        msf::io::MaskFrame which = msf::io::maskFrameFor(ct);
        which.frame = 1;
        const cv::Mat inside = msf::io::loadMask(seg, which);
        QCOMPARE(inside.size(), cv::Size(5, 4));
        QCOMPARE(cv::countNonZero(inside), 3);
        QVERIFY(inside.at<uchar>(2, 1) && inside.at<uchar>(2, 2) && !inside.at<uchar>(3, 1) && inside.at<uchar>(3, 2));
        const auto frames = msf::io::loadMaskFrames(seg, ct);
        QCOMPARE(cv::countNonZero(frames[0]) + cv::countNonZero(frames[2]), 0);
        QCOMPARE(cv::countNonZero(frames[1] != inside), 0);
        // The segment names are said, for --label.
        const auto segImage = msf::io::loadImage(seg);
        QVERIFY(std::any_of(segImage.meta.readerNotes.begin(), segImage.meta.readerNotes.end(), [](const std::string& n) {
            return n.find("3D Slicer segmentation; its segments (label value, name): 1 tumour") != std::string::npos;
        }));
        // Half a voxel off the grid, or reaching past the image: another image's mask.
        const auto refused = [&which](const std::string& path) {
            try {
                msf::io::loadMask(path, which);
            } catch (const msf::io::IoError& e) {
                return QString(e.what()).contains("nor a box inside it");
            }
            return false;
        };
        QVERIFY(refused(writeSeg("half.seg.nrrd", "(3,6,4)", "")));
        QVERIFY(refused(writeSeg("past.seg.nrrd", "(8,6,4)", "")));
        // Overlapping segments in two layers: one layer alone would be a partial mask; refused, saying what to do.
        const std::string layered = writeSeg("layers.seg.nrrd", "(2,6,4)", "layers", "2 2 2 1", std::string(8, '\x01'));
        const QString e = errorOf(layered);
        QVERIFY2(e.contains("layers.seg.nrrd") && e.contains("segments overlap, stored as 2 layers") &&
                     e.contains("export it from Slicer as one label map"),
                 qPrintable(e));
    }
    void niftiFourDReadsTheFirstVolumeAndTwoDLoads() {
        QTemporaryDir dir;
        const std::array<double, 12> lps{-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0};
        const std::string fmri = dir.filePath("bold.nii.gz").toStdString();
        writeTestNifti(fmri, 6, 5, 4, 7, lps);
        const auto img = msf::io::loadImage(fmri);
        QCOMPARE(img.frameCount(), 4);
        QCOMPARE(img.meta.niftiVolumes, 7);
        QCOMPARE(img.meta.bitsAllocated, 32);  // float32 voxels: all 32 bits stored (info said "stored 8")
        QCOMPARE(img.meta.bitsStored, 32);
        double lo, hi;
        cv::minMaxLoc(img.frames[3], &lo, &hi);
        QCOMPARE(hi, 345.0);  // k = 3, j = 4, i = 5 of volume 0, not of volume 6 (6345)
        const std::string flat = dir.filePath("flat.nii").toStdString();
        writeTestNifti(flat, 6, 5, 1, 0, lps);
        const auto two = msf::io::loadImage(flat);
        QCOMPARE(two.frameCount(), 1);
        QCOMPARE(two.pixels().at<float>(4, 5), 45.f);
    }
    void aPairsOpenedImageIsReadBesideItsTwinAndAHeaderSaysWhichItTook() {
        // scan.hdr + scan.img (2 volumes of 6 x 5 x 4) and a scan.img.gz of the same size holding the first
        // volume negated, as gzip -k leaves an image and its copy: nifticlib's loader took scan.img's voxels
        // for an opened scan.img.gz, silently.
        QTemporaryDir dir;
        const std::array<double, 12> lps{-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0};
        const std::string hdr = dir.filePath("scan.hdr").toStdString(), img = dir.filePath("scan.img").toStdString();
        const std::string packed = img + ".gz";
        writeTestNifti(hdr, 6, 5, 4, 2, lps, NIFTI_FTYPE_NIFTI1_2);
        QVERIFY(QFile::exists(QString::fromStdString(img)));
        std::vector<float> negated = voxelsSayingWhereTheyAre(6, 5, 4);
        for (float& v : negated) v = -v;
        znzFile out = znzopen(packed.c_str(), "wb", 1);
        QVERIFY(!znz_isnull(out));
        QCOMPARE(znzwrite(negated.data(), sizeof(float), negated.size(), out), negated.size());
        znzclose(out);
        double lo, hi;
        const auto fromPacked = msf::io::loadImage(packed);
        QCOMPARE(fromPacked.frameCount(), 4);
        cv::minMaxLoc(fromPacked.frames[3], &lo, &hi);
        QCOMPARE(lo, -345.0);  // its own voxels (was 345: scan.img's)
        QCOMPARE(hi, -300.0);
        QVERIFY(fromPacked.meta.readerNotes.empty());
        const auto fromPlain = msf::io::loadImage(img);
        cv::minMaxLoc(fromPlain.frames[3], &lo, &hi);
        QCOMPARE(hi, 345.0);  // the first volume only, not the second's 1345
        QVERIFY(fromPlain.meta.readerNotes.empty());
        // The header opened: nifticlib's pick (scan.img), and the user told that the other is there.
        const auto fromHeader = msf::io::loadImage(hdr);
        cv::minMaxLoc(fromHeader.frames[3], &lo, &hi);
        QCOMPARE(hi, 345.0);
        QCOMPARE(int(fromHeader.meta.readerNotes.size()), 1);
        const QString note = QString::fromStdString(fromHeader.meta.readerNotes[0]);
        QVERIFY2(note.contains("scan.img and scan.img.gz") && note.contains("scan.img was read"), qPrintable(note));
        // A truncated opened image is refused, naming it, not filled from its twin.
        QVERIFY(QFile::resize(QString::fromStdString(img), 100));
        try {
            msf::io::loadImage(img);
            QFAIL("a truncated .img was read");
        } catch (const msf::io::IoError& e) {
            QVERIFY2(QString(e.what()).contains("scan.img") && QString(e.what()).contains("truncated"), e.what());
        }
        cv::minMaxLoc(msf::io::loadImage(packed).frames[3], &lo, &hi);
        QCOMPARE(lo, -345.0);
    }

    void aNiftiIsReadFromItselfBesideAnotherOfItsStemAndInAnyCase() {
        QTemporaryDir dir;
        const std::array<double, 12> lps{-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0};
        // brain.nii (4 slices of 6 x 5, the voxels saying where they are) and brain.nii.gz, another volume
        // (2 volumes of 7 x 3 x 2), side by side as gunzip -k leaves a file and its copy: each is itself.
        const std::string plain = dir.filePath("brain.nii").toStdString(), packed = dir.filePath("brain.nii.gz").toStdString();
        writeTestNifti(plain, 6, 5, 4, 1, lps);
        writeTestNifti(packed, 7, 3, 2, 2, lps);
        const auto fromPacked = msf::io::loadImage(packed);
        QCOMPARE(fromPacked.frameCount(), 2);
        QCOMPARE(fromPacked.pixels().size(), cv::Size(7, 3));
        double lo, hi;
        cv::minMaxLoc(fromPacked.frames[1], &lo, &hi);
        QCOMPARE(hi, 126.0);  // k 1, j 2, i 6 of its first volume (was 115: brain.nii's voxels, read as 7 x 3)
        const auto fromPlain = msf::io::loadImage(plain);
        QCOMPARE(fromPlain.frameCount(), 4);
        cv::minMaxLoc(fromPlain.frames[3], &lo, &hi);
        QCOMPARE(hi, 345.0);
        // The same header, other voxels: brain2.nii.gz was shown with brain2.nii's, silently.
        const std::string plain2 = dir.filePath("brain2.nii").toStdString(), packed2 = dir.filePath("brain2.nii.gz").toStdString();
        const std::string negated = dir.filePath("negated.nii.gz").toStdString();
        writeTestNifti(plain2, 6, 5, 4, 1, lps);
        writeTestNifti(negated, 6, 5, 4, 1, lps);
        {  // rewritten negated while alone (nifticlib's own reader of brain2.nii.gz would take brain2.nii's voxels)
            nifti_image* nim = nifti_image_read(negated.c_str(), 1);
            QVERIFY(nim);
            float* v = static_cast<float*>(nim->data);
            for (int64_t i = 0; i < nim->nvox; ++i) v[i] = -v[i];
            nifti_image_write(nim);
            nifti_image_free(nim);
        }
        QVERIFY(QFile::rename(QString::fromStdString(negated), QString::fromStdString(packed2)));
        cv::minMaxLoc(msf::io::loadImage(packed2).frames[3], &lo, &hi);
        QCOMPARE(lo, -345.0);
        cv::minMaxLoc(msf::io::loadImage(plain2).frames[3], &lo, &hi);
        QCOMPARE(hi, 345.0);
        // Extensions in capitals, as Windows tools and older exports write them: read, and masks written there.
        const QString upper = dir.filePath("T1.NII.GZ");
        writeTestNifti(upper.toStdString(), 6, 5, 4, 1, lps);
        auto t1 = msf::io::loadImage(upper.toStdString());
        QCOMPARE(t1.frameCount(), 4);
        QCOMPARE(cv::countNonZero(t1.frames[2] != msf::io::loadImage(plain).frames[2]), 0);  // as its lower-case twin
        t1.current = 2;
        cv::Mat mask = cv::Mat::zeros(5, 6, CV_8U);
        mask.at<uchar>(1, 2) = 255;
        for (const QString& name : {QString("T1_MASK.NII.GZ"), QString("T1_MASK.NII"), QString("T1_MASK.MHA")}) {
            const std::string out = dir.filePath(name).toStdString();
            if (name.endsWith(".MHA")) msf::io::writeMetaImageMask(out, mask, t1, false);
            else msf::io::writeNiftiMask(out, mask, t1, false);
            QFile f(QString::fromStdString(out));
            QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(name));
            const QByteArray head = f.read(2);
            QCOMPARE(head == QByteArray("\x1f\x8b", 2), name.endsWith(".GZ"));  // gzip'd as its name says
            auto back = msf::io::loadImage(out);
            back.current = 2;
            QCOMPARE(back.frameCount(), 4);
            QCOMPARE(back.pixels().at<float>(1, 2), 1.f);
            QCOMPARE(cv::countNonZero(back.pixels()), 1);
        }
        QVERIFY(!QDir(dir.path()).entryList({"*.tmp*", ".*tmp*"}, QDir::Files | QDir::Hidden).size());
    }
    void colourAndSixtyFourBitNiftiVolumesAreRead() {
        // RGB24 (ITK-SNAP's and Slicer's colour volumes), RGBA32 and 64-bit integer voxels were "unsupported NIfTI
        // data type". A colour volume is turned as a grey one of the same header is: voxel (i, j, k) stored as
        // R = i, G = j, B = k lies where the grey twin's 100 k + 10 j + i does, on every slice.
        QTemporaryDir dir;
        const std::array<double, 12> oblique{0, -1, 0, 10, -1, 0, 0, 20, 0, 0, 2, 30};  // rows and columns swapped
        const std::string grey = dir.filePath("grey.nii.gz").toStdString();
        writeTestNifti(grey, 6, 5, 4, 1, oblique);
        const auto reference = msf::io::loadImage(grey);
        for (const int type : {DT_RGB24, DT_RGBA32, DT_INT64}) {
            const std::string path = dir.filePath(QString("voxels%1.nii.gz").arg(type)).toStdString();
            const int64_t dims[8] = {3, 6, 5, 4, 1, 1, 1, 1};
            nifti_image* nim = nifti_make_new_nim(dims, type, 1);
            for (int k = 0, n = 0; k < 4; ++k)
                for (int j = 0; j < 5; ++j)
                    for (int i = 0; i < 6; ++i, ++n) {
                        if (type == DT_INT64) {
                            static_cast<int64_t*>(nim->data)[n] = 100 * k + 10 * j + i;
                            continue;
                        }
                        uint8_t* v = static_cast<uint8_t*>(nim->data) + n * nim->nbyper;
                        v[0] = uint8_t(i), v[1] = uint8_t(j), v[2] = uint8_t(k);
                        if (type == DT_RGBA32) v[3] = 128;
                    }
            nifti_dmat44 a{};
            for (int r = 0; r < 3; ++r)
                for (int c = 0; c < 4; ++c) a.m[r][c] = oblique[4 * r + c];
            a.m[3][3] = 1;
            nim->sto_xyz = a;
            nim->sform_code = NIFTI_XFORM_SCANNER_ANAT;
            nim->dx = nim->pixdim[1] = 1, nim->dy = nim->pixdim[2] = 1, nim->dz = nim->pixdim[3] = 2;
            nifti_set_filenames(nim, path.c_str(), 0, 1);
            nifti_image_write(nim);
            nifti_image_free(nim);
            const auto read = msf::io::loadImage(path);
            QCOMPARE(read.frameCount(), reference.frameCount());
            QCOMPARE(read.pixels().channels(), type == DT_INT64 ? 1 : 3);
            QCOMPARE(read.meta.photometric, std::string(type == DT_INT64 ? "MONOCHROME2" : "RGB"));
            QCOMPARE(read.meta.readerNotes.size(), size_t(type == DT_RGBA32 ? 1 : 0));  // the alpha left out, said
            for (int f = 0; f < read.frameCount(); ++f) {
                QCOMPARE(read.frames[f].size(), reference.frames[f].size());
                for (int y = 0; y < read.frames[f].rows; ++y)
                    for (int x = 0; x < read.frames[f].cols; ++x) {
                        const float expected = reference.frames[f].at<float>(y, x);
                        float got = 0;
                        if (type == DT_INT64) {
                            got = read.frames[f].at<float>(y, x);
                        } else {
                            const cv::Vec3b bgr = read.frames[f].at<cv::Vec3b>(y, x);
                            got = float(100 * bgr[0] + 10 * bgr[1] + bgr[2]);
                        }
                        QVERIFY2(got == expected, qPrintable(QString("type %1, frame %2 (%3, %4): %5, expected %6")
                                                                 .arg(type).arg(f).arg(x).arg(y).arg(got).arg(expected)));
                    }
            }
        }
    }
    void aVolumeLoadStopsBetweenItsChunksWhenCancelled() {
        // 320 x 320 x 48 floats (19.7 MB) as NIfTI, MetaImage raw and zlib, gzip and raw NRRD: asked before each 16 MB
        // chunk read (64 kB of compressed data inflated); stopped at the second ask, or read whole.
        QTemporaryDir dir;
        const std::string nifti = dir.filePath("long.nii").toStdString();
        writeTestNifti(nifti, 320, 320, 48, 1, {-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0});
        const std::vector<float> values = voxelsSayingWhereTheyAre(320, 320, 48);
        const std::string raw(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
        const std::string mha = "NDims = 3\nDimSize = 320 320 48\nElementType = MET_FLOAT\nElementDataFile = LOCAL\n";
        const std::string zmha = "NDims = 3\nDimSize = 320 320 48\nElementType = MET_FLOAT\nCompressedData = True\n"
                                 "ElementDataFile = LOCAL\n";
        touch(dir.filePath("long.mha"), mha + raw);
        touch(dir.filePath("long_z.mha"), zmha + deflatedBytes(raw, 15));
        touch(dir.filePath("long.nrrd"), "NRRD0004\ntype: float\ndimension: 3\nsizes: 320 320 48\nendian: little\n"
                                         "encoding: gzip\n\n" + deflatedBytes(raw, 15 + 16));
        touch(dir.filePath("long_raw.nhdr"), "NRRD0004\ntype: float\ndimension: 3\nsizes: 320 320 48\nendian: little\n"
                                             "encoding: raw\ndata file: long_raw.raw\n\n");
        touch(dir.filePath("long_raw.raw"), raw);
        for (const std::string& path : {nifti, dir.filePath("long.mha").toStdString(),
                                       dir.filePath("long_z.mha").toStdString(), dir.filePath("long.nrrd").toStdString(),
                                       dir.filePath("long_raw.nhdr").toStdString()}) {
            int asked = 0;
            msf::io::LoadOptions o;
            o.cancelled = [&asked] { return ++asked == 2; };
            try {
                msf::io::loadImage(path, o);
                QFAIL(qPrintable(QString::fromStdString(path) + ": a cancelled load returned an image"));
            } catch (const msf::io::LoadCancelled& e) {
                QVERIFY2(QString(e.what()).contains(QString::fromStdString(path)), e.what());
            }
            QCOMPARE(asked, 2);
            o.cancelled = [&asked] { return ++asked < 0; };
            asked = 0;
            const auto whole = msf::io::loadImage(path, o);
            QVERIFY2(asked >= 2, qPrintable(QString::fromStdString(path)));
            QCOMPARE(whole.frameCount(), 48);
            QCOMPARE(whole.frames[47].at<float>(0, 319), 100.f * 47 + 319);  // the last chunk's, as stored
        }
        // A NIfTI's read is told in its slices after each chunk: 16 MB is 40 slices of 320 x 320 floats.
        std::vector<std::pair<size_t, size_t>> told;
        msf::io::LoadOptions o;
        o.progress = [&told](size_t done, size_t total) { told.emplace_back(done, total); };
        msf::io::loadImage(nifti, o);
        QVERIFY(told == (std::vector<std::pair<size_t, size_t>>{{40, 48}, {48, 48}}));
    }

    void aRawNrrdIsReadInEitherByteOrderAttachedOrDetached() {
        // 256, 1, -1, -32768 as 16-bit values, big- and little-endian, after the header or in a .raw beside it.
        QTemporaryDir dir;
        const std::string big("\x01\x00\x00\x01\xff\xff\x80\x00", 8), little("\x00\x01\x01\x00\xff\xff\x00\x80", 8);
        for (const bool msb : {true, false})
            for (const bool detached : {false, true}) {
                const std::string header = std::string("NRRD0004\ntype: short\ndimension: 2\nsizes: 4 1\nendian: ") +
                                           (msb ? "big" : "little") + "\nencoding: raw\n";
                const QString name = QString("v_%1_%2").arg(msb ? "big" : "little").arg(detached ? "nhdr" : "nrrd");
                if (detached) {
                    touch(dir.filePath(name + ".nhdr"), header + "data file: " + name.toStdString() + ".raw\n\n");
                    touch(dir.filePath(name + ".raw"), msb ? big : little);
                } else {
                    touch(dir.filePath(name + ".nrrd"), header + "\n" + (msb ? big : little));
                }
                const auto img = msf::io::loadImage(dir.filePath(name + (detached ? ".nhdr" : ".nrrd")).toStdString());
                const cv::Mat& p = img.pixels();
                QCOMPARE(p.at<float>(0, 0), 256.f);
                QCOMPARE(p.at<float>(0, 1), 1.f);
                QCOMPARE(p.at<float>(0, 2), -1.f);
                QCOMPARE(p.at<float>(0, 3), -32768.f);
            }
        // Cut short: said with how far it got.
        const QString e = problemOf(dir, "cut.nrrd", "NRRD0004\ntype: short\ndimension: 2\nsizes: 4 1\nendian: big\n"
                                                     "encoding: raw\n\n" + big.substr(0, 5));
        QVERIFY2(e.contains("cannot read the NRRD data: its raw data ends after 5 of the 8 bytes"), qPrintable(e));
    }

    void aBigEndianNiftiIsReadWithItsValuesSwapped() {
        // A NIfTI-1 written on a big-endian machine (older SGI/Sun/PowerPC pipelines): header and voxels in that
        // byte order, a NaN among them; float and 16-bit, as the one-file and the header/image pair.
        QTemporaryDir dir;
        for (const int type : {DT_FLOAT32, DT_INT16})
            for (const bool pair : {false, true}) {
                const int64_t dims[8] = {3, 6, 5, 4, 1, 1, 1, 1};
                nifti_image* nim = nifti_make_new_nim(dims, type, 1);
                QVERIFY(nim);
                const std::vector<float> where = voxelsSayingWhereTheyAre(6, 5, 4);
                for (size_t i = 0; i < where.size(); ++i) {
                    if (type == DT_FLOAT32) static_cast<float*>(nim->data)[i] = i == 7 ? NAN : where[i] - 100;
                    else static_cast<int16_t*>(nim->data)[i] = int16_t(where[i] - 100);
                }
                nim->pixdim[1] = nim->pixdim[2] = nim->pixdim[3] = nim->dx = nim->dy = nim->dz = 1;
                nifti_1_header header;
                QCOMPARE(nifti_convert_nim2n1hdr(nim, &header), 0);
                std::strncpy(header.magic, pair ? "ni1" : "n+1", 4);
                header.vox_offset = pair ? 0 : 352;
                const size_t bytes = size_t(nim->nvox) * size_t(nim->nbyper);
                std::vector<char> voxels(static_cast<const char*>(nim->data), static_cast<const char*>(nim->data) + bytes);
                nifti_swap_Nbytes(nim->nvox, nim->nbyper, voxels.data());
                nifti_image_free(nim);
                swap_nifti_header(&header, 1);
                const QString stem = dir.filePath(QString("big_%1_%2").arg(type).arg(pair ? "pair" : "one"));
                const std::string opened = (stem + (pair ? ".hdr" : ".nii")).toStdString();
                {
                    std::ofstream out(opened, std::ios::binary);
                    out.write(reinterpret_cast<const char*>(&header), sizeof header);
                    if (!pair) out.write("\0\0\0\0", 4).write(voxels.data(), std::streamsize(bytes));
                }
                if (pair) std::ofstream((stem + ".img").toStdString(), std::ios::binary).write(voxels.data(), std::streamsize(bytes));
                const auto img = msf::io::loadImage(opened);
                QCOMPARE(img.frameCount(), 4);
                QCOMPARE(img.pixels().size(), cv::Size(6, 5));
                double lo, hi;
                cv::minMaxLoc(img.frames[3], &lo, &hi);
                QCOMPARE(hi, 245.0);  // 100 k + 10 j + i - 100 at k 3, j 4, i 5
                QCOMPARE(img.frames[2].at<float>(1, 3), 113.f);
                QCOMPARE(img.meta.nonFiniteValues, size_t(type == DT_FLOAT32 ? 1 : 0));
                QVERIFY(img.meta.isSigned == (type == DT_INT16));
            }
    }

    void nanAndInfiniteValuesAreCountedAndReadAsTheLowestFiniteValue() {
        // A registered or masked volume holds NaN outside its data; nifticlib reads those as 0 and says nothing.
        QTemporaryDir dir;
        const std::array<double, 12> lps{-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0};  // shown as stored
        const std::string path = dir.filePath("registered.nii.gz").toStdString();
        writeTestNifti(path, 6, 5, 4, 2, lps);
        nifti_image* nim = nifti_image_read(path.c_str(), 1);
        QVERIFY(nim);
        auto* v = static_cast<float*>(nim->data);
        v[0] = NAN;                          // (0, 0, 0), the lowest value: the lowest finite one is now 1
        v[3 * 30 + 2 * 6 + 1] = INFINITY;    // (1, 2, 3)
        v[1 * 30 + 4 * 6 + 5] = -INFINITY;   // (5, 4, 1)
        v[120 + 7] = NAN;                    // in the second volume, which is not read
        nifti_image_write(nim);
        nifti_image_free(nim);
        const auto img = msf::io::loadImage(path);
        QCOMPARE(img.meta.nonFiniteValues, size_t(3));
        QCOMPARE(img.meta.nonFiniteReadAs, 1.0);
        QCOMPARE(img.frames[0].at<float>(0, 0), 1.f);
        QCOMPARE(img.frames[3].at<float>(2, 1), 1.f);
        QCOMPARE(img.frames[1].at<float>(4, 5), 1.f);
        QCOMPARE(img.frames[3].at<float>(2, 2), 322.f);  // its neighbour as stored
        QCOMPARE(img.frames[0].at<float>(0, 2), 2.f);    // a stored 0 would stay 0; a stored 2 stays 2
        std::string notes;
        for (const auto& n : msf::io::loadNotes(img)) notes += n + "; ";
        QVERIFY2(notes.find("3 values are NaN or infinite, read as 1 (the lowest finite value)") != std::string::npos,
                 notes.c_str());
        QVERIFY2(notes.find("the first of its 2 volumes is read") != std::string::npos, notes.c_str());
        QVERIFY(msf::io::percentileWindow(img.pixels()).valid());

        // A float TIFF the same way (OpenCV hands its NaN on as they are).
        cv::Mat f(8, 8, CV_32F, cv::Scalar(50));
        f.at<float>(1, 1) = NAN;
        f.row(7).setTo(-INFINITY);
        f.at<float>(3, 3) = 20;
        const std::string tif = dir.filePath("map.tif").toStdString();
        QVERIFY(cv::imwrite(tif, f));
        const auto map = msf::io::loadImage(tif);
        QCOMPARE(map.meta.nonFiniteValues, size_t(9));
        QCOMPARE(map.pixels().at<float>(7, 0), 20.f);
        QCOMPARE(map.pixels().at<float>(1, 1), 20.f);
        QCOMPARE(map.pixels().at<float>(0, 0), 50.f);
        // A double TIFF is read as float, and its NaN found the same way (it was left as it was).
        cv::Mat d;
        f.convertTo(d, CV_64F);
        const std::string tif64 = dir.filePath("map64.tif").toStdString();
        QVERIFY(cv::imwrite(tif64, d));
        const auto map64 = msf::io::loadImage(tif64);
        QCOMPARE(map64.pixels().type(), CV_32F);
        QCOMPARE(map64.meta.bitsAllocated, 64);
        QCOMPARE(map64.meta.nonFiniteValues, size_t(9));
        QCOMPARE(map64.pixels().at<float>(1, 1), 20.f);

        // Read as a mask, NaN is outside: a probability map's lowest value (0.5) would have made it inside.
        cv::Mat probability(8, 8, CV_32F, cv::Scalar(NAN));
        probability(cv::Rect(2, 2, 3, 3)).setTo(0.5);
        const std::string maskTif = dir.filePath("probability.tif").toStdString();
        QVERIFY(cv::imwrite(maskTif, probability));
        QCOMPARE(cv::countNonZero(msf::io::loadMask(maskTif)), 9);

        // Nothing finite at all: refused, naming the file, not shown as a black image.
        const std::string none = dir.filePath("none.tif").toStdString();
        QVERIFY(cv::imwrite(none, cv::Mat(4, 4, CV_32F, cv::Scalar(NAN))));
        const QString error = errorOf(none);
        QVERIFY2(error.contains("none.tif") && error.contains("no finite value"), qPrintable(error));
        // Counts are grouped as the mask panel's are.
        cv::Mat mostlyNan(50, 50, CV_32F, cv::Scalar(NAN));
        mostlyNan.at<float>(0, 0) = 4;
        const std::string sparse = dir.filePath("sparse.tif").toStdString();
        QVERIFY(cv::imwrite(sparse, mostlyNan));
        QCOMPARE(msf::io::loadNotes(msf::io::loadImage(sparse)).at(0),
                 std::string("2,499 values are NaN or infinite, read as 4 (the lowest finite value)"));
        // A float image without any has no note.
        const std::string finite = dir.filePath("finite.tif").toStdString();
        QVERIFY(cv::imwrite(finite, cv::Mat(4, 4, CV_32F, cv::Scalar(3))));
        QVERIFY(msf::io::loadNotes(msf::io::loadImage(finite)).empty());
    }

    void aMaskVolumeOfAnotherSliceCountIsRefused() {
        // Its slice of the same number is not the shown slice's mask: eval scored against it, the app drew it.
        QTemporaryDir dir;
        const std::array<double, 12> lps{-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 0};
        const std::string image = dir.filePath("t1.nii.gz").toStdString(), other = dir.filePath("other.nii.gz").toStdString(),
                          same = dir.filePath("same.nii.gz").toStdString();
        writeTestNifti(image, 6, 5, 4, 1, lps);
        // 3 slices 1.5 mm apart where the image's 4 are 1 mm apart: no slice of it is one of the image's.
        writeTestNifti(other, 6, 5, 3, 1, {-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1.5, 0});
        writeTestNifti(same, 6, 5, 4, 1, lps);
        auto t1 = msf::io::loadImage(image);
        t1.current = 1;
        const auto errorOfMask = [](const std::string& path, msf::io::MaskFrame which) {
            try {
                msf::io::loadMask(path, which);
            } catch (const msf::io::IoError& e) {
                return QString(e.what());
            }
            return QString();
        };
        QString error = errorOfMask(other, msf::io::maskFrameFor(t1));
        QVERIFY2(error.contains("other.nii.gz") && error.contains("is not its image's (6 x 5 x 4) nor a box inside it"),
                 qPrintable(error));
        // Without the image's affine (a DICOM series, say), the slice counts alone say it.
        msf::io::MaskFrame noAffine = msf::io::maskFrameFor(t1);
        noAffine.imageHasAffine = false;
        error = errorOfMask(other, noAffine);
        QVERIFY2(error.contains("other.nii.gz") && error.contains("the mask has 3 slices or frames, the image 4"),
                 qPrintable(error));
        // ... and the slices' sizes, for all its slices at once.
        const std::string narrow = dir.filePath("narrow.nii.gz").toStdString();
        writeTestNifti(narrow, 5, 5, 4, 1, lps);
        msf::io::Image withoutAffine = t1;
        withoutAffine.meta.hasNiftiAffine = false;
        error.clear();
        try {
            msf::io::loadMaskFrames(narrow, withoutAffine);
        } catch (const msf::io::IoError& e) {
            error = e.what();
        }
        QVERIFY2(error.contains("narrow.nii.gz: the mask is 5 x 5 pixels, the image 6 x 5"), qPrintable(error));
        // The same slice count: the shown slice's (k = 1: 100 + 10 j + i, every voxel non-zero)
        const cv::Mat mask = msf::io::loadMask(same, msf::io::maskFrameFor(t1));
        QCOMPARE(cv::countNonZero(mask), 30);
    }

    void aNiftiInMetresIsMeasuredInMillimetresAndItsMaskKeepsItsUnit() {
        // NIfTI voxel sizes may be in metres or microns (xyz_units): read as they were, a 2 mm voxel of a metre
        // file was 0.002 mm, its areas a millionth. Read in mm now, said; a mask written for it keeps the file's
        // unit and affine (in mm, a viewer would have put it a thousandth the size).
        QTemporaryDir dir;
        const std::string path = dir.filePath("metres.nii").toStdString(), maskPath = dir.filePath("mask.nii.gz").toStdString();
        writeTestNifti(path, 6, 5, 4, 1, {0.002, 0, 0, 0.1, 0, 0.002, 0, -0.05, 0, 0, 0.003, 0.02});
        {
            nifti_image* nim = nifti_image_read(path.c_str(), 1);
            QVERIFY(nim);
            nim->xyz_units = NIFTI_UNITS_METER;
            nifti_image_write(nim);
            nifti_image_free(nim);
        }
        const auto image = msf::io::loadImage(path);
        QVERIFY(std::abs(image.meta.spacingX - 2.0) < 1e-6 && std::abs(image.meta.spacingY - 2.0) < 1e-6);  // (float32)
        QVERIFY(std::abs(image.meta.sliceSpacing - 3.0) < 1e-6);
        const auto notes = msf::io::loadNotes(image);
        QVERIFY2(std::find(notes.begin(), notes.end(),
                           "its voxel sizes are in metres (NIfTI xyz units): read in mm, x 1000") != notes.end(),
                 notes.empty() ? "no note" : notes.front().c_str());
        msf::io::writeNiftiMask(maskPath, cv::Mat(5, 6, CV_8U, cv::Scalar(255)), image, false);
        nifti_image* back = nifti_image_read(maskPath.c_str(), 0);
        QVERIFY(back);
        QCOMPARE(back->xyz_units, NIFTI_UNITS_METER);
        QVERIFY(std::abs(back->dx - 0.002) < 1e-9 && std::abs(back->dz - 0.003) < 1e-9);
        QVERIFY(std::abs(back->sto_xyz.m[0][0] - 0.002) < 1e-9 && std::abs(back->sto_xyz.m[1][3] + 0.05) < 1e-9);
        nifti_image_free(back);
        // MetaImage has no unit but mm (ITK's): the same grid in mm, 2 x 2 x 3 mm voxels at (100, -50, 20) mm RAS.
        const std::string mha = dir.filePath("mask.mha").toStdString();
        msf::io::writeMetaImageMask(mha, cv::Mat(5, 6, CV_8U, cv::Scalar(255)), image, false);
        const auto mhaBack = msf::io::loadImage(mha);
        QVERIFY(std::abs(mhaBack.meta.spacingX - 2.0) < 1e-6 && std::abs(mhaBack.meta.sliceSpacing - 3.0) < 1e-6);
        QVERIFY(std::abs(mhaBack.meta.niftiAffine[0][3] - 100) < 1e-4 && std::abs(mhaBack.meta.niftiAffine[1][3] + 50) < 1e-4);  // (float32 metres)
        // NRRD: Slicer's mm too.
        const std::string segNrrd = dir.filePath("mask.seg.nrrd").toStdString();
        msf::io::writeNrrdMask(segNrrd, cv::Mat(5, 6, CV_8U, cv::Scalar(255)), image, false);
        const auto nrrdBack = msf::io::loadImage(segNrrd);
        QVERIFY(std::abs(nrrdBack.meta.spacingX - 2.0) < 1e-6 && std::abs(nrrdBack.meta.sliceSpacing - 3.0) < 1e-6);
        QVERIFY(std::abs(nrrdBack.meta.niftiAffine[0][3] - 100) < 1e-4 && std::abs(nrrdBack.meta.niftiAffine[1][3] + 50) < 1e-4);
        // An image without a NIfTI grid (a photo) gets its mask in mm, said in the header (it was "unknown").
        msf::io::Image photo;
        photo.frames = {cv::Mat(5, 6, CV_8U, cv::Scalar(1))};
        photo.meta.format = "PNG";
        const std::string photoMask = dir.filePath("photo.nii.gz").toStdString();
        msf::io::writeNiftiMask(photoMask, cv::Mat(5, 6, CV_8U, cv::Scalar(255)), photo, false);
        back = nifti_image_read(photoMask.c_str(), 0);
        QVERIFY(back);
        QCOMPARE(back->xyz_units, NIFTI_UNITS_MM);
        nifti_image_free(back);
    }
    void aMetaImageMaskIsOneMhaFileWrittenAtomicallyAndNeverOverSilently() {
        QTemporaryDir dir;
        const msf::io::Image photo = halfMillimetrePhoto();  // no place in patient space: ITK's own axes, its 0.5 mm pixels
        const cv::Mat mask = sixPixelMask();
        const std::string mha = dir.filePath("photo_mask.MHA").toStdString();  // any case
        msf::io::writeMetaImageMask(mha, mask, photo, false);
        std::ifstream in(mha, std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(in)), {});
        for (const char* field : {"NDims = 3", "DimSize = 6 5 1", "ElementType = MET_UCHAR", "ElementSpacing = 0.5 0.5 1",
                                  "TransformMatrix = 1 0 0 0 1 0 0 0 1", "Offset = 0 0 0", "CompressedData = True",
                                  "ElementDataFile = LOCAL"})
            QVERIFY2(text.find(std::string(field) + "\n") != std::string::npos, qPrintable(QString(field) + " in\n" + text.substr(0, 400).c_str()));
        const auto back = msf::io::loadImage(mha);
        QCOMPARE(back.frameCount(), 1);
        QCOMPARE(cv::countNonZero(msf::io::storedFromShown(back.frames[0] > 0, back.meta.niftiTurn) != (mask > 0)), 0);
        // Not written over without being asked to; written over when asked. Refused, naming the file, writing
        // nothing: a .mhd (it would need a data file beside it), another extension, a folder that is not there, a
        // mask of another size.
        checkOverwriteAndRefusals(dir, mha, mask, [&photo](const std::string& path, const cv::Mat& m, bool over) {
            msf::io::writeMetaImageMask(path, m, photo, over);
        }, {"m.mhd", "m.raw", "missing/m.mha", "small.mha"}, "one .mha file");
    }
    void aTargetNameIsCleanedAsEveryWriterTakesIt() {
        QCOMPARE(msf::io::cleanTargetName("  left lung "), std::string("left lung"));
        QCOMPARE(msf::io::cleanTargetName("a\\b\tc\nd"), std::string("abcd"));  // DICOM's delimiter, control characters
        QCOMPARE(msf::io::cleanTargetName(" \t "), std::string("target"));
        QCOMPARE(msf::io::cleanTargetName(""), std::string("target"));
        QCOMPARE(msf::io::cleanTargetName(std::string(80, 'x')), std::string(64, 'x'));
        // 64 characters, not bytes: 70 "ä" (2 bytes each) keep 64 whole ones.
        std::string umlauts;
        for (int i = 0; i < 70; ++i) umlauts += "\xc3\xa4";
        QCOMPARE(msf::io::cleanTargetName(umlauts).size(), size_t(128));
    }
    void aNrrdMaskIsOneFileWrittenAtomicallyAndNeverOverSilently() {
        QTemporaryDir dir;
        const msf::io::Image photo = halfMillimetrePhoto();  // no place in patient space: sized by its spacings, no space
        const cv::Mat mask = sixPixelMask();
        const std::string nrrd = dir.filePath("photo_mask.SEG.NRRD").toStdString();  // any case
        msf::io::writeNrrdMask(nrrd, mask, photo, false, "lesion");
        {
            std::ifstream in(nrrd, std::ios::binary);
            std::string text((std::istreambuf_iterator<char>(in)), {});
            QVERIFY(text.rfind("NRRD000", 0) == 0);
            text.resize(text.find("\n\n") + 1);
            for (const char* field : {"type: unsigned char", "dimension: 3", "sizes: 6 5 1", "spacings: 0.5 0.5 1",
                                      "encoding: gzip", "Segment0_Name:=lesion", "Segment0_Extent:=1 3 2 3 0 0"})
                QVERIFY2(text.find(std::string(field) + "\n") != std::string::npos, qPrintable(QString(field) + " in\n" + text.c_str()));
            QVERIFY2(text.find("space:") == std::string::npos, text.c_str());
        }
        const auto back = msf::io::loadImage(nrrd);
        QCOMPARE(back.frameCount(), 1);
        QCOMPARE(cv::countNonZero(msf::io::storedFromShown(back.frames[0] > 0, back.meta.niftiTurn) != (mask > 0)), 0);
        const auto notes = msf::io::loadNotes(back);
        QVERIFY2(std::find(notes.begin(), notes.end(),
                           "a 3D Slicer segmentation; its segments (label value, name): 1 lesion") != notes.end(),
                 notes.empty() ? "no note" : notes.front().c_str());
        // Not written over without being asked to; written over when asked (an empty mask: Slicer's empty extent).
        // Refused, naming the file, writing nothing: a .nhdr (it would need a data file beside it), another
        // extension, a folder that is not there, a mask of another size.
        checkOverwriteAndRefusals(dir, nrrd, mask, [&photo](const std::string& path, const cv::Mat& m, bool over) {
            msf::io::writeNrrdMask(path, m, photo, over);
        }, {"m.nhdr", "m.raw", "missing/m.nrrd", "small.nrrd"}, "one .nrrd file");
        std::ifstream in(nrrd, std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(in)), {});
        QVERIFY(text.find("Segment0_Extent:=0 -1 0 -1 0 -1\n") != std::string::npos);
    }
    void analyzeAndNiftiPairsAreRead() {
        // Header/image pairs (Analyze 7.5, as OASIS-1 and SPM data come, and
        // NIfTI-1 pairs), opened by either file; masks exported on their grid.
        QTemporaryDir dir;
        const std::array<double, 12> ras{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
        const std::string hdr = dir.filePath("scan.hdr").toStdString(), img = dir.filePath("scan.img").toStdString();
        writeTestNifti(hdr, 6, 5, 4, 1, ras, NIFTI_FTYPE_ANALYZE);
        QVERIFY(QFile::exists(QString::fromStdString(img)));
        for (const std::string& path : {hdr, img}) {
            const auto scan = msf::io::loadImage(path);
            QCOMPARE(scan.frameCount(), 4);
            QVERIFY(!scan.meta.hasNiftiAffine);  // Analyze has none: shown as stored
            QVERIFY(QString::fromStdString(scan.meta.niftiFileType).startsWith("Analyze"));
            QCOMPARE(scan.frames[2].at<float>(4, 5), 245.f);  // k 2, j 4, i 5
        }
        auto scan = msf::io::loadImage(hdr);
        scan.current = 2;
        cv::Mat mask = cv::Mat::zeros(5, 6, CV_8U);
        mask.at<uchar>(4, 5) = 255;
        const std::string out = dir.filePath("scan_mask.nii.gz").toStdString();
        msf::io::writeNiftiMask(out, mask, scan, false);
        nifti_image* back = nifti_image_read(out.c_str(), 1);
        QVERIFY(back);
        QCOMPARE(int(back->nz), 4);  // the whole grid, not one slice
        const auto* v = static_cast<const uint8_t*>(back->data);
        QCOMPARE(int(std::count_if(v, v + back->nvox, [](uint8_t x) { return x != 0; })), 1);
        QVERIFY(v[2 * 30 + 4 * 6 + 5]);
        nifti_image_free(back);

        // A NIfTI-1 pair has an affine: turned as a .nii is (RAS axial: both axes mirrored).
        const std::string pair = dir.filePath("pair.hdr").toStdString();
        writeTestNifti(pair, 6, 5, 4, 1, ras, NIFTI_FTYPE_NIFTI1_2);
        const auto turned = msf::io::loadImage(pair);
        QCOMPARE(msf::io::slicePlane(turned), std::string("axial"));
        QCOMPARE(turned.frames[1].at<float>(0, 0), 145.f);
        QCOMPARE(turned.meta.niftiFileType, std::string("NIfTI-1 (header and image pair)"));
        // NIfTI-2 (64-bit dimensions): nifticlib calls it NIfTI-1; info said so.
        const std::string two = dir.filePath("two.nii").toStdString();
        writeTestNifti(two, 6, 5, 4, 1, ras, NIFTI_FTYPE_NIFTI2_1);
        const auto twoImage = msf::io::loadImage(two);
        QCOMPARE(twoImage.meta.niftiFileType, std::string("NIfTI-2"));
        QCOMPARE(twoImage.frames[1].at<float>(0, 0), 145.f);

        // An .img without a header is some other file; pairs are one image when pairing a data set.
        touch(dir.filePath("disk.img"));
        QVERIFY(!errorOf(dir.filePath("disk.img").toStdString()).isEmpty());
        QDir(dir.path()).mkdir("images");
        QDir(dir.path()).mkdir("masks");
        writeTestNifti(dir.filePath("images/case.hdr").toStdString(), 6, 5, 4, 1, ras, NIFTI_FTYPE_ANALYZE);
        writeTestNifti(dir.filePath("masks/case_mask.hdr").toStdString(), 6, 5, 4, 1, ras, NIFTI_FTYPE_ANALYZE);
        std::vector<std::string> problems;
        const auto pairs = msf::io::pairImagesWithMasks(dir.filePath("images").toStdString(),
                                                        dir.filePath("masks").toStdString(), &problems);
        QCOMPARE(int(pairs.size()), 1);
        QVERIFY2(problems.empty(), problems.empty() ? "" : problems.front().c_str());
        QCOMPARE(QString::fromStdString(pairs[0].image).section('/', -1), QString("case.hdr"));
    }
    void cocoJsonHoldsOneAnnotationWhosePolygonsGiveTheMaskBack() {
        // COCO coordinates: pixel (x, y) covers [x, x+1] x [y, y+1]; a pixel is inside when its centre is.
        const auto rasterise = [](const QJsonArray& polygons, cv::Size size) {
            cv::Mat out = cv::Mat::zeros(size, CV_8U);
            for (const auto& poly : polygons) {
                const auto xy = poly.toArray();
                std::vector<cv::Point2f> points;
                for (int i = 0; i + 1 < xy.size(); i += 2) points.push_back(cv::Point2f(xy[i].toDouble(), xy[i + 1].toDouble()));
                for (int y = 0; y < size.height; ++y)
                    for (int x = 0; x < size.width; ++x)
                        if (cv::pointPolygonTest(points, cv::Point2f(x + 0.5f, y + 0.5f), false) > 0) out.at<uchar>(y, x) = 255;
            }
            return out;
        };
        std::vector<std::pair<const char*, cv::Mat>> shapes;
        const auto add = [&shapes](const char* name, const std::function<void(cv::Mat&)>& draw) {
            cv::Mat m = cv::Mat::zeros(40, 50, CV_8U);
            draw(m);
            shapes.push_back({name, m});
        };
        add("square", [](cv::Mat& m) { m(cv::Rect(5, 5, 10, 10)).setTo(255); });
        add("one pixel", [](cv::Mat& m) { m.at<uchar>(20, 20) = 255; });
        add("one-pixel-wide line", [](cv::Mat& m) { m(cv::Rect(2, 10, 30, 1)).setTo(255); });
        add("diagonal line", [](cv::Mat& m) { cv::line(m, {3, 3}, {30, 35}, 255, 1, cv::LINE_8); });
        add("disc and square, one touching the edges",
            [](cv::Mat& m) { cv::circle(m, {30, 20}, 9, 255, -1); m(cv::Rect(0, 30, 8, 10)).setTo(255); });
        add("pixels touching at a corner", [](cv::Mat& m) { m.at<uchar>(10, 10) = m.at<uchar>(11, 11) = 255; });
        for (const auto& [name, m] : shapes) {
            QTemporaryDir dir;
            const QString path = dir.filePath("a.json");
            const auto written = msf::io::writeCocoJson(path.toStdString(), m, "a.png", "lesion", false);
            QVERIFY2(written.polygons(), name);
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const auto doc = QJsonDocument::fromJson(f.readAll()).object();
            const auto anns = doc["annotations"].toArray();
            QCOMPARE(anns.size(), 1);  // one object, not a polygon and a crowd region of the same pixels
            const auto ann = anns[0].toObject();
            QCOMPARE(ann["iscrowd"].toInt(), 0);
            QCOMPARE(ann["area"].toInt(), cv::countNonZero(m));
            const cv::Rect box = cv::boundingRect(m);
            QCOMPARE(ann["bbox"].toArray(), QJsonArray({box.x, box.y, box.width, box.height}));
            const cv::Mat back = rasterise(ann["segmentation"].toArray(), m.size());
            QVERIFY2(cv::countNonZero(back != m) == 0,
                     qPrintable(QString("%1: %2 of %3 pixels differ").arg(name).arg(cv::countNonZero(back != m)).arg(cv::countNonZero(m))));
            // Every vertex 1/4 px inside a pixel's edges, so no outside pixel is overlapped either.
            for (const auto& poly : ann["segmentation"].toArray())
                for (const auto& v : poly.toArray()) {
                    const double frac = v.toDouble() - std::floor(v.toDouble());
                    QVERIFY2(frac == 0.25 || frac == 0.75, name);
                }
        }
    }
    void aCocoFileOfSeveralFramesHasAnImageEachAndNoEmptyAnnotation() {
        cv::Mat disc = cv::Mat::zeros(20, 30, CV_8U), ring = disc.clone();
        cv::circle(disc, {10, 10}, 5, 255, -1);
        cv::circle(ring, {15, 10}, 8, 255, -1);
        cv::circle(ring, {15, 10}, 3, 0, -1);
        QTemporaryDir dir;
        const QString path = dir.filePath("frames.json");
        const auto written = msf::io::writeCocoJson(
            path.toStdString(), {{"a.nii.gz", 3, disc}, {"a.nii.gz", 4, cv::Mat::zeros(20, 30, CV_8U)}, {"a.nii.gz", 5, ring}},
            "lesion", false);
        QCOMPARE(QString::fromStdString(written.text()),
                 QString("run-length encoded for 1 of 3 images: its mask has holes, which COCO polygons cannot hold; "
                         "polygons for the others"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto doc = QJsonDocument::fromJson(f.readAll()).object();
        const auto images = doc["images"].toArray(), anns = doc["annotations"].toArray();
        QCOMPARE(images.size(), 3);
        QCOMPARE(images[1].toObject()["frame"].toInt(), 4);
        QCOMPARE(anns.size(), 2);  // frame 4's empty mask: an image without the target, no annotation
        QCOMPARE(anns[0].toObject()["image_id"].toInt(), 1);
        QCOMPARE(anns[1].toObject()["image_id"].toInt(), 3);
        QCOMPARE(anns[1].toObject()["id"].toInt(), 2);
        QVERIFY(anns[0].toObject()["segmentation"].isArray());
        QVERIFY(anns[1].toObject()["segmentation"].isObject());
        QCOMPARE(anns[1].toObject()["area"].toInt(), cv::countNonZero(ring));
    }
    void aCocoMaskWithHolesIsWrittenAsRunLengths() {
        cv::Mat m = cv::Mat::zeros(6, 5, CV_8U);
        m(cv::Rect(1, 2, 3, 2)).setTo(255);  // columns 1..3, rows 2..3
        // Column-major RLE: column 0 all background (6), then per column 2 zeros, 2 ones, 2 zeros...
        QCOMPARE(msf::io::rleCounts(m), (std::vector<int>{8, 2, 4, 2, 4, 2, 8}));
        QCOMPARE(msf::io::holeCount(m), 0);
        cv::Mat ring = cv::Mat::zeros(30, 40, CV_8U);
        cv::circle(ring, {20, 15}, 10, 255, -1);
        cv::circle(ring, {20, 15}, 4, 0, -1);
        ring(cv::Rect(0, 0, 6, 6)).setTo(255);
        ring.at<uchar>(2, 2) = 0;  // a hole in a region touching the image's corner
        QCOMPARE(msf::io::holeCount(ring), 2);
        // Holes of a noise mask: the zero pixels' 4-connected parts away from the edge, as a plain flood finds
        // them (border following took minutes on a 12-MP one).
        cv::Mat noise(120, 160, CV_8U);
        cv::theRNG().state = 11;
        cv::randu(noise, 0, 255);
        noise = noise > 80;
        const int holes = floodCount(noise, false, 4, true);
        QVERIFY2(holes > 50, qPrintable(QString::number(holes)));
        QCOMPARE(msf::io::holeCount(noise), holes);
        QTemporaryDir dir;
        const QString path = dir.filePath("a.json");
        const auto written = msf::io::writeCocoJson(path.toStdString(), ring, "a.png", "lesion", false);
        QVERIFY(!written.polygons());
        QCOMPARE(QString::fromStdString(written.text()),
                 QString("run-length encoded: the mask has 2 holes, which COCO polygons cannot hold"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto doc = QJsonDocument::fromJson(f.readAll()).object();
        const auto anns = doc["annotations"].toArray();
        QCOMPARE(anns.size(), 1);
        const auto seg = anns[0].toObject()["segmentation"].toObject();
        QCOMPARE(seg["size"].toArray(), QJsonArray({30, 40}));
        // Decoded column by column, the counts give the ring, its holes open.
        cv::Mat back = cv::Mat::zeros(ring.size(), CV_8U);
        int at = 0;
        bool on = false;
        for (const auto& c : seg["counts"].toArray()) {
            for (int i = 0; i < c.toInt(); ++i, ++at)
                if (on) back.at<uchar>(at % ring.rows, at / ring.rows) = 255;
            on = !on;
        }
        QCOMPARE(at, ring.rows * ring.cols);
        QCOMPARE(cv::countNonZero(back != ring), 0);
        QCOMPARE(anns[0].toObject()["iscrowd"].toInt(), 0);
        QCOMPARE(doc["categories"].toArray()[0].toObject()["name"].toString(), QString("lesion"));
        QVERIFY_THROWS_EXCEPTION(msf::io::IoError, msf::io::writeCocoJson(path.toStdString(), ring, "a.png", "x", false));
    }
};

QTEST_GUILESS_MAIN(TestIo)
#include "test_io.moc"
