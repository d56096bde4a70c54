// msformer-studio: the desktop app.
// Usage: msformer-studio [IMAGE] [--run]   (--run starts MS-Former once IMAGE is loaded)
#include <QApplication>

#include "msformer/ui/main_window.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName("MS-Former Studio");
    QApplication::setApplicationName("msformer-studio");
    msf::ui::MainWindow window;
    window.show();
    QStringList args = app.arguments().mid(1);
    const bool run = args.removeAll("--run") > 0;
    if (run) QObject::connect(&window, &msf::ui::MainWindow::imageLoaded, &window, &msf::ui::MainWindow::runMsFormer);
    if (!args.isEmpty()) window.openFile(args.first());
    return app.exec();
}
