// msformer synth -o DIR : write the project's synthetic images and masks.
#include <QCommandLineParser>
#include <QDir>
#include <QTextStream>

#include "commands.h"
#include "method_options.h"
#include "msformer/io/mask_writer.h"
#include "msformer/phantoms.h"

int runSynth(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Write generated images with known masks to DIR/images and DIR/masks: a "
                                "dermoscopy-like lesion with hairs and dark corners, the lesion on a flat "
                                "saturated background, a lung CT slice and the same slice window-clipped.");
    p.addHelpOption();
    p.addOptions({{{"o", "output"}, "Output folder.", "DIR"},
                  {"count", "Images of each kind (default 2).", "N"},
                  {"size", "Image side in pixels (default 256).", "S"},
                  {"seed", "First seed (default 1).", "N"},
                  {"force", "Overwrite existing files."}});
    if (!p.parse(QStringList{"msformer synth"} + args)) return fail("synth", p.errorText(), 2);
    if (p.isSet("help")) return printHelp(p, "synth");
    if (!p.isSet("output")) return fail("synth", "-o DIR is required", 2);
    const int count = p.isSet("count") ? p.value("count").toInt() : 2;
    const int size = p.isSet("size") ? p.value("size").toInt() : 256;
    const int seed = p.isSet("seed") ? p.value("seed").toInt() : 1;
    if (count < 1 || size < 32 || size > 4096) return fail("synth", "--count >= 1 and 32 <= --size <= 4096", 2);
    const QDir dir(p.value("output"));
    if (!dir.mkpath("images") || !dir.mkpath("masks")) return fail("synth", dir.path() + ": cannot create folders");
    try {
        for (const auto& ph : msf::phantom::syntheticSet(size, count, static_cast<uint64_t>(seed))) {
            const QString name = QString::fromStdString(ph.name) + ".png";
            msf::io::writePng(dir.filePath("images/" + name).toStdString(), ph.image, p.isSet("force"));
            msf::io::writeMaskPng(dir.filePath("masks/" + name).toStdString(), ph.mask, p.isSet("force"));
        }
    } catch (const std::exception& e) {
        return fail("synth", e.what());
    }
    QTextStream(stdout) << "wrote " << count * 4 << " images and masks under " << dir.path() << "\n";
    return 0;
}
