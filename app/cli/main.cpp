// msformer: the command-line tool (segment, eval, bench, synth).
#include <QCoreApplication>
#include <QTextStream>

#include "commands.h"
#include "msformer/runtime_info.h"

namespace {

void printUsage(QTextStream& out) {
    out << "usage: msformer <command> [options]\n\n"
           "commands:\n"
           "  segment IMAGE...          cluster map, label map and target mask per image\n"
           "  eval --images D --masks D DSC/HM/XOR/HD95, click and auto DSC, MS-Former vs k-means\n"
           "  bench                     ms per iteration, first preview, peak memory\n"
           "  synth -o DIR              write the synthetic test images with masks\n"
           "  info FILE|DIR             what the loader read: size, frames, modality, windows, UIDs\n"
           "  lungmask CT -o MASK       a derived (not expert) lung mask of a CT slice by HU threshold\n"
           "  fill IMG --mask M -o OUT  the slices between a mask's annotated slices filled (interpolated)\n"
           "  --version                 versions, device, threads and the BLAS in use\n\n"
           "'msformer <command> --help' lists each command's options.\n";
}

int printVersion() {
    const auto info = msf::runtimeInfo();
    QTextStream out(stdout);
    out << "msformer " << QString::fromStdString(info.engineVersion) << "\n"
        << "LibTorch " << QString::fromStdString(info.torchVersion) << "\n"
        << "device " << QString::fromStdString(info.device) << (info.cudaAvailable ? "" : " (no CUDA device)") << "\n"
        << "threads " << info.threads << " (LibTorch intra-op)\n"
        << "BLAS " << QString::fromStdString(info.blasLibrary) << "\n";
    if (!info.blasConfig.empty()) out << "BLAS config " << QString::fromStdString(info.blasConfig) << "\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("msformer");
    QStringList args = app.arguments().mid(1);
    QTextStream err(stderr), out(stdout);
    if (args.isEmpty()) {
        printUsage(err);
        return 2;
    }
    const QString command = args.takeFirst();
    if (command == "--version" || command == "version") return printVersion();
    if (command == "--help" || command == "-h" || command == "help") {
        printUsage(out);
        return 0;
    }
    if (command == "segment") return runSegment(args);
    if (command == "eval") return runEval(args);
    if (command == "bench") return runBench(args);
    if (command == "synth") return runSynth(args);
    if (command == "info") return runInfo(args);
    if (command == "lungmask") return runLungMask(args);
    if (command == "fill") return runFill(args);
    err << "msformer: unknown command '" << command << "'\n\n";
    printUsage(err);
    return 2;
}
