// msformer lungmask CT -o MASK : derived lung mask of a CT slice (for evaluation).
#include <QCommandLineParser>
#include <QTextStream>

#include "commands.h"
#include "image_input.h"
#include "method_options.h"
#include "msformer/mask_ops.h"
#include "msformer/io/mask_writer.h"
#include "msformer/lung_mask.h"

int runLungMask(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Derive a lung mask from a CT slice in HU (HU < -400, border air dropped, two "
                                "largest components, closed, holes filled). A derived mask, not an expert one.");
    p.addHelpOption();
    p.addPositionalArgument("ct", "A CT image (DICOM, or NIfTI in HU).", "CT");
    p.addOptions({{{"o", "output"}, "Output PNG.", "MASK"}, {"force", "Overwrite."}});
    addImageInputOptions(p);
    if (!p.parse(QStringList{"msformer lungmask"} + args)) return fail("lungmask", p.errorText(), 2);
    if (p.isSet("help")) return printHelp(p, "lungmask");
    if (p.positionalArguments().size() != 1 || !p.isSet("output")) return fail("lungmask", "usage: lungmask CT -o MASK", 2);
    try {
        const auto in = loadInput(p.positionalArguments().front(), p);
        if (in.image.meta.modality != "CT")
            throw std::runtime_error(p.positionalArguments().front().toStdString() + ": not a CT image (modality '" +
                                     in.image.meta.modality + "')");
        const cv::Mat mask = msf::deriveLungMask(in.image.pixels());
        msf::io::writeMaskPng(p.value("output").toStdString(), mask, p.isSet("force"));
        QTextStream(stdout) << "wrote " << p.value("output") << " ("
                            << QString::fromStdString(msf::mask::sizeText(mask, in.image.meta.spacingX, in.image.meta.spacingY))
                            << ")\n";
    } catch (const std::exception& e) {
        return fail("lungmask", e.what());
    }
    return 0;
}
