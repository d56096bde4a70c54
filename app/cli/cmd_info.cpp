// msformer info FILE|DIR : what the loader saw.
#include <QCommandLineParser>
#include <QTextStream>

#include <filesystem>

#include "commands.h"
#include "method_options.h"
#include "msformer/io/dicom_reader.h"
#include "msformer/io/dicom_seg.h"
#include "msformer/io/image_loader.h"
#include "wording.h"

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

void printImage(QTextStream& out, const msf::io::Image& img) {
    const auto& m = img.meta;
    const cv::Mat& px = img.pixels();
    out << "format: " << q(m.format) << "\n"
        << "dimensions: " << px.cols << " x " << px.rows << ", " << counted(img.frameCount(), "frame") << ", current "
        << img.current << "\n"
        << "channels: " << px.channels() << "\n"
        << "modality: " << (m.modality.empty() ? QString("(none)") : q(m.modality)) << "\n"
        << "photometric: " << q(m.photometric) << "\n";
    if (!m.transferSyntax.empty()) out << "transfer syntax: " << q(m.transferSyntax) << "\n";
    out << "bits: allocated " << m.bitsAllocated << ", stored " << m.bitsStored << (m.isSigned ? ", signed" : "")
        << "\n"
        << "rescale: slope " << m.rescaleSlope << ", intercept " << m.rescaleIntercept << "\n";
    double lo, hi;
    cv::minMaxLoc(px.reshape(1), &lo, &hi);
    out << "value range (current frame, after rescale): " << lo << " .. " << hi << "\n";
    if (m.nonFiniteValues > 0)
        out << "non-finite values: " << m.nonFiniteValues << " (NaN or infinite, in all frames), read as "
            << m.nonFiniteReadAs << ", the lowest finite value\n";
    if (m.transparentPixels > 0)
        out << "transparency: " << m.transparentPixels
            << " pixels transparent or partly so (alpha channel), read over black\n";
    if (!m.paddingText.empty())
        out << "pixel padding: " << q(m.paddingText) << ", " << m.paddedPixels
            << " pixels in all frames (outside the scanned area, left out of the automatic window)\n";
    // "lung center -600 width 1500", or a file's VOI LUT: "NAME, a VOI LUT of 4096 entries for values 0 .. 4095".
    const auto described = [](const msf::io::Window& w) {
        if (w.lut)
            return QString("%1, a VOI LUT of %2 entries for values %3 .. %4").arg(q(w.name)).arg(w.lut->size())
                .arg(w.lutFirst).arg(w.lutFirst + double(w.lut->size()) - 1);
        return QString("%1 center %2 width %3").arg(q(w.name)).arg(w.center).arg(w.width);
    };
    for (const auto& w : m.fileWindows) out << "window in file: " << described(w) << "\n";
    out << "default window: " << (m.window.valid() ? described(m.window) : QString("none (8-bit values / 255)")) << "\n";
    if (m.spacingX > 0 && m.spacingY > 0) {
        out << "spacing (mm): " << m.spacingX << " x " << m.spacingY;
        if (m.sliceSpacing > 0) out << " x " << m.sliceSpacing;
        out << "\n";
    } else {
        out << "spacing (mm): unknown (the file gives no pixel size)\n";
    }
    if (m.aspectRatio > 0) out << "pixel aspect ratio (height / width): " << m.aspectRatio << "\n";
    if (const std::string plane = msf::io::slicePlane(img); !plane.empty()) {
        const auto e = msf::io::edgeLetters(img);
        out << "plane: " << q(plane) << " (left " << q(e[0]) << ", top " << q(e[1]) << ", right " << q(e[2])
            << ", bottom " << q(e[3]) << ")\n";
    }
    if (!m.geometryProblem.empty()) out << "geometry: none (" << q(m.geometryProblem) << ")\n";
    if (m.hasGeometry) {
        const auto pos = msf::io::currentFramePosition(img);
        out << "position of the current frame (LPS, mm): " << pos[0] << ", " << pos[1] << ", " << pos[2] << "\n";
    }
    if (!m.seriesDescription.empty()) out << "series description: " << q(m.seriesDescription) << "\n";
    if (!m.studyInstanceUid.empty())
        out << "study UID: " << q(m.studyInstanceUid) << "\nseries UID: " << q(m.seriesInstanceUid)
            << "\nSOP instance UID (current frame): " << q(msf::io::currentSopInstanceUid(img)) << "\nframe of reference UID: "
            << q(m.frameOfReferenceUid) << "\n";
    if (!m.niftiFileType.empty()) out << "file type: " << q(m.niftiFileType) << "\n";
    if (m.hasNiftiAffine && m.format == "NIfTI") out << "NIfTI sform code " << m.niftiSformCode << ", qform code " << m.niftiQformCode << "\n";
    if (!m.niftiAxes.empty()) {
        QStringList turned;
        if (m.niftiTurn.transpose) turned << "transposed";
        if (m.niftiTurn.mirrorColumns) turned << "columns mirrored";
        if (m.niftiTurn.mirrorRows) turned << "rows mirrored";
        out << (m.format == "NIfTI" ? QString("NIfTI axes: ") : QString::fromStdString(m.format) + " axes (as RAS): ")
            << q(m.niftiAxes) << "\n"
            << "shown as: " << q(msf::io::slicePlane(img)) << " slices along k, "
            << (turned.isEmpty() ? QString("as stored") : turned.join(", ")) << "\n";
    } else if (msf::io::isVoxelVolume(m)) {
        out << "shown as: stored (rows j, columns i; the file has no "
            << q(msf::io::voxelAxesSource(m)) << ")\n";
    }
    if (m.niftiVolumes > 1) out << "volumes: " << m.niftiVolumes << " in the file, the first is read\n";
    for (const std::string& note : m.readerNotes) out << "note: " << q(note) << "\n";
}

}  // namespace

int runInfo(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Print what the loader read from an image file or a DICOM folder, or the error.");
    p.addHelpOption();
    p.addPositionalArgument("paths", "Files or folders.", "FILE|DIR...");
    p.addOption({"series", "DICOM folder: the series to read.", "UID"});
    if (!p.parse(QStringList{"msformer info"} + args)) return fail("info", p.errorText(), 2);
    if (p.isSet("help")) return printHelp(p, "info");
    if (p.positionalArguments().isEmpty()) return fail("info", "no file given", 2);
    int failures = 0;
    QTextStream out(stdout);
    for (const QString& path : p.positionalArguments()) {
        out << "== " << path << "\n";
        try {
            msf::io::LoadOptions o;
            o.seriesUid = p.value("series").toStdString();
            if (const std::string folder = msf::io::dicomFolderOf(path.toStdString()); !folder.empty() && !p.isSet("series")) {
                const auto& series = o.series = msf::io::listDicomSeries(folder);  // read from this listing
                for (const auto& s : series)
                    out << "series " << q(s.uid) << ": " << q(s.modality)
                        << (s.number < 0 ? QString() : QString(", series number %1").arg(s.number)) << ", "
                        << counted(static_cast<long long>(s.files.size()), "file")
                        << (s.description.empty() ? "" : ", " + q(s.description)) << "\n";
                if (series.size() > 1) continue;  // (none: the reader says what the folder holds instead)
            }
            if (msf::io::isDicomSeg(path.toStdString())) {  // a mask, not an image: what a mask read would see
                out << "format: DICOM SEG (a mask: msformer eval --masks, fill --mask, the app's reference mask)\n"
                    << "segments: " << q(msf::io::labelsText(msf::io::dicomSegSegments(path.toStdString()))) << "\n";
                continue;
            }
            printImage(out, msf::io::loadImage(path.toStdString(), o));
        } catch (const std::exception& e) {
            ++failures;
            out << "error: " << e.what() << "\n";
        }
        out.flush();
    }
    return failures ? 1 : 0;
}
