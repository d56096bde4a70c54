// msformer-studio: the desktop app.
// Usage: msformer-studio [--run] [IMAGE]   (--run starts MS-Former once IMAGE is loaded)
#include <QApplication>
#include <QCommandLineParser>

#include <cstdio>
#include <cstring>

#include "msformer/runtime_info.h"
#include "msformer/ui/main_window.h"

namespace {

void describe(QCommandLineParser* p) {
    p->setApplicationDescription(
        "MS-Former Studio: unsupervised segmentation of one medical image or photo, shown live, "
        "for pre-annotation. The msformer command does the same without a window.");
    p->addHelpOption();
    p->addVersionOption();
    p->addOption({"run", "Start MS-Former once IMAGE is loaded."});
    p->addPositionalArgument("IMAGE", "A DICOM file or folder, a NIfTI, NRRD or MetaImage volume or a PNG/JPEG/BMP/TIFF "
                                      "image.",
                             "[IMAGE]");
}

bool asksForHelpOrVersion(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        for (const char* o : {"-h", "--help", "-?", "--help-all", "-v", "--version"})
            if (std::strcmp(argv[i], o) == 0) return true;
    return false;
}

// Qt aborts with a plugin message when no display can be reached; say what to do instead.
bool hasDisplay() {
    return !qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") ||
           !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
}

void nameTheApplication() {
    QCoreApplication::setOrganizationName("MS-Former Studio");
    QCoreApplication::setApplicationName("msformer-studio");
}

}  // namespace

int main(int argc, char** argv) {
    if (asksForHelpOrVersion(argc, argv)) {  // needs no display
        QCoreApplication app(argc, argv);
        nameTheApplication();
        QCoreApplication::setApplicationVersion(QString::fromStdString(msf::runtimeInfo().engineVersion));
        QCommandLineParser p;
        describe(&p);
        p.process(app);  // prints and exits
        return 0;
    }
    if (!hasDisplay()) {
        std::fprintf(stderr,
                     "msformer-studio: no display (DISPLAY and WAYLAND_DISPLAY are not set). Without one, use the "
                     "command line: msformer segment IMAGE (msformer --help).\n");
        return 1;
    }
    QApplication app(argc, argv);
    nameTheApplication();
    QCommandLineParser p;
    describe(&p);
    p.process(app);  // an unknown option: a message and exit code 1
    if (p.positionalArguments().size() > 1) {
        std::fprintf(stderr, "msformer-studio: one IMAGE at most (got %lld)\n",
                     static_cast<long long>(p.positionalArguments().size()));
        return 1;
    }
    msf::ui::MainWindow window;
    window.show();
    if (!p.positionalArguments().isEmpty()) {
        window.openFile(p.positionalArguments().first());
        if (p.isSet("run")) window.runMsFormer();  // starts once the image is shown (a Run pressed while loading does too)
    }
    return app.exec();
}
