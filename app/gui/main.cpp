// msformer-studio: the desktop app.
#include <QApplication>

#include "msformer/ui/main_window.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName("MS-Former Studio");
    QApplication::setApplicationName("msformer-studio");
    msf::ui::MainWindow window;
    window.show();
    const QStringList args = app.arguments();
    if (args.size() > 1) window.openFile(args.at(1));
    return app.exec();
}
