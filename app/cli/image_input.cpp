#include "image_input.h"

#include "msformer/io/image_loader.h"
#include "msformer/io/io_error.h"
#include "msformer/mat_convert.h"

void addImageInputOptions(QCommandLineParser& p) {
    p.addOptions({
        {"frame", "Frame or slice to segment (volumes default to the middle slice).", "N"},
        {"series", "DICOM folder with several series: the Series Instance UID to read.", "UID"},
        {"window", "Grey-level window: a name (wide, lung, mediastinum, bone, brain, auto, or a window stored in "
                   "the file) or CENTER,WIDTH. Default: CT wide (-1000..400 HU); others the file's first "
                   "window, else auto (0.5-99.5 percentile); 8-bit photos none.", "W"},
    });
}

LoadedInput loadInput(const QString& path, const QCommandLineParser& p, int frame, const std::string& seriesUid) {
    msf::io::LoadOptions o;
    o.seriesUid = seriesUid.empty() ? p.value("series").toStdString() : seriesUid;
    if (frame >= -1) o.frame = frame;
    else if (p.isSet("frame")) {
        bool ok = false;
        o.frame = p.value("frame").toInt(&ok);
        if (!ok || o.frame < 0) throw msf::io::IoError(path.toStdString(), "--frame needs a number >= 0");
    }
    LoadedInput in{msf::io::loadImage(path.toStdString(), o), {}};
    if (p.isSet("window")) {
        const QString w = p.value("window");
        const QStringList cw = w.split(',');
        bool found = false;
        if (cw.size() == 2) {
            bool ok1 = false, ok2 = false;
            msf::io::Window win{cw[0].toDouble(&ok1), cw[1].toDouble(&ok2), "custom"};
            found = ok1 && ok2 && win.valid();
            if (found) in.image.meta.window = win;
        } else {
            for (const auto& win : msf::io::availableWindows(in.image))
                if (QString::fromStdString(win.name) == w) {
                    in.image.meta.window = win;
                    found = true;
                    break;
                }
        }
        if (!found) throw msf::io::IoError(path.toStdString(), "unknown window '" + w.toStdString() + "'");
    }
    in.buffer = msf::toImageBuffer(msf::io::normalizedForSegmentation(in.image));
    return in;
}
