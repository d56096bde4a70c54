#include "image_input.h"

#include "msformer/io/image_loader.h"
#include "msformer/io/io_error.h"
#include "msformer/mat_convert.h"

void addImageInputOptions(QCommandLineParser& p, bool frameLists) {
    p.addOptions({
        frameLists ? QCommandLineOption("frame", "Frames or slices to segment: N, a range A-B, a list of them "
                                                 "(3,7-9) or all, counted from 0 (volumes default to the middle "
                                                 "slice). Several frames give each frame's maps and masks, and one "
                                                 "NIfTI volume and one DICOM SEG for them all.", "N|A-B,...|all")
                   : QCommandLineOption("frame", "Frame or slice to segment (volumes default to the middle slice).", "N"),
        {"series", "DICOM folder with several series: the Series Instance UID to read.", "UID"},
        {"window", "Grey-level window: a name (wide, lung, mediastinum, bone, brain, auto, or a window stored in "
                   "the file) or CENTER,WIDTH. Default: CT wide (-1000..400 HU); others the file's first "
                   "window, else auto (0.5-99.5 percentile); 8-bit photos none.", "W"},
    });
}

namespace {

// The window --window names: CENTER,WIDTH (width > 0) or one of the image's windows by name.
msf::io::Window chosenWindow(const QString& path, const QString& w, const msf::io::Image& image) {
    const auto bad = [&](const std::string& why) { return msf::io::IoError(path.toStdString(), why); };
    const QStringList cw = w.split(',');
    if (cw.size() == 2) {
        bool ok1 = false, ok2 = false;
        const msf::io::Window win{cw[0].toDouble(&ok1), cw[1].toDouble(&ok2), "custom"};
        if (!ok1 || !ok2 || !win.valid())
            throw bad("--window '" + w.toStdString() + "': CENTER,WIDTH needs two finite numbers and a width > 0");
        return win;
    }
    std::string names;
    for (const auto& win : msf::io::availableWindows(image)) {
        if (QString::fromStdString(win.name) == w) return win;
        names += (names.empty() ? "" : ", ") + win.name;
    }
    throw bad("unknown window '" + w.toStdString() + "' (this image has: " + names + "; or CENTER,WIDTH)");
}

}  // namespace

QString parseFrameSelection(const QString& text, FrameSelection* sel) {
    *sel = {};
    if (text.isEmpty()) return {};
    if (text == "all") {
        sel->all = true;
        return {};
    }
    const QString bad = QString("--frame must be N, A-B, a comma-separated list of them, or all (frames counted "
                                "from 0), got '%1'").arg(text);
    for (const QString& item : text.split(',')) {
        const QStringList ends = item.split('-');
        bool ok1 = false, ok2 = false;
        const int a = ends.front().toInt(&ok1), b = ends.back().toInt(&ok2);
        if (ends.size() > 2 || !ok1 || !ok2 || a < 0 || b < a) return bad;
        sel->ranges.push_back({a, b});
    }
    return {};
}

std::vector<int> FrameSelection::resolve(int count, const QString& path) const {
    std::vector<bool> chosen(count, all);
    for (const auto& [a, b] : ranges) {
        if (b >= count)
            throw msf::io::IoError(path.toStdString(), "frame " + std::to_string(b) + " requested, the image has " +
                                                           std::to_string(count) + " (0-" +
                                                           std::to_string(count - 1) + ")");
        for (int f = a; f <= b; ++f) chosen[f] = true;
    }
    std::vector<int> frames;
    for (int f = 0; f < count; ++f)
        if (chosen[f]) frames.push_back(f);
    return frames;
}

void selectFrame(LoadedInput& in, int frame, const QString& path, const QCommandLineParser& p) {
    in.image.current = frame;
    in.image.meta.window =
        p.isSet("window") ? chosenWindow(path, p.value("window"), in.image) : msf::io::defaultWindow(in.image);
    in.buffer = msf::toImageBuffer(msf::io::normalizedForSegmentation(in.image));
}

LoadedInput loadInput(const QString& path, const QCommandLineParser& p, int frame, const std::string& seriesUid,
                      const std::vector<msf::io::DicomSeries>& listed) {
    msf::io::LoadOptions o;
    o.seriesUid = seriesUid.empty() ? p.value("series").toStdString() : seriesUid;
    o.series = listed;
    if (frame >= -1) o.frame = frame;
    else if (p.isSet("frame")) {
        bool ok = false;
        o.frame = p.value("frame").toInt(&ok);
        if (!ok || o.frame < 0) throw msf::io::IoError(path.toStdString(), "--frame needs a number >= 0");
    }
    LoadedInput in{msf::io::loadImage(path.toStdString(), o), {}};
    if (p.isSet("window")) in.image.meta.window = chosenWindow(path, p.value("window"), in.image);
    in.buffer = msf::toImageBuffer(msf::io::normalizedForSegmentation(in.image));
    return in;
}

void printReaderNotes(QTextStream& out, const QString& label, const msf::io::Image& image) {
    for (const std::string& note : msf::io::loadNotes(image)) out << label << ": note: " << QString::fromStdString(note) << "\n";
}
