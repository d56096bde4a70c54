// msformer bench : speed and memory of one MS-Former run on a generated image.
#include <QCommandLineParser>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include "commands.h"
#include "method_options.h"
#include "msformer/benchmark.h"
#include "msformer/runtime_info.h"
#include "wording.h"

int runBench(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Time MS-Former iterations (forward + backward + step) on a generated image; "
                                "no early stop. Default: the mode's working size (129; faithful 257), 10 iterations (not 50), "
                                "3 channels.");
    p.addHelpOption();
    p.addOptions({{"channels", "Input channels, 1 or 3 (default 3).", "C"},
                  {"json", "Print the figures as one JSON object."}});
    addMethodOptions(p, 10);
    if (!p.parse(QStringList{"msformer bench"} + args)) return fail("bench", p.errorText(), 2);
    if (p.isSet("help")) return printHelp(p, "bench");
    MethodOptions opt;
    if (const QString e = readMethodOptions(p, &opt); !e.isEmpty()) return fail("bench", e, 2);
    if (!p.isSet("iterations")) opt.msformer.maxIterations = 10;
    const int channels = p.isSet("channels") ? p.value("channels").toInt() : 3;
    if (channels != 1 && channels != 3) return fail("bench", "--channels must be 1 or 3", 2);
    msf::BenchmarkResult r;
    try {
        r = msf::runBenchmark(opt.msformer, channels);
    } catch (const std::exception& e) {
        return fail("bench", e.what());
    }
    const auto info = msf::runtimeInfo(opt.msformer.device, opt.msformer.threads);
    QTextStream out(stdout);
    if (p.isSet("json")) {
        QJsonObject o{{"size", r.size},
                      {"channels", r.channels},
                      {"iterations", r.iterations},
                      {"median_ms_per_iteration", r.medianIterationMs},
                      {"min_ms_per_iteration", r.minIterationMs},
                      {"max_ms_per_iteration", r.maxIterationMs},
                      {"first_preview_ms", r.firstPreviewMs},
                      {"total_ms", r.totalMs},
                      {"peak_rss_mb", r.peakRssMb},
                      {"device", QString::fromStdString(r.device)},
                      {"threads", r.threads},
                      {"gflop_per_iteration", r.gflopPerIteration},
                      {"achieved_gflops", r.achievedGflops},
                      {"matmul_gflops", r.matmulGflops},
                      {"efficiency", r.matmulGflops > 0 ? r.achievedGflops / r.matmulGflops : 0.0},
                      {"mode", QString::fromStdString(opt.mode)},
                      {"reference_implementation", opt.msformer.referenceImplementation},
                      {"recompute_activations", opt.msformer.recomputeActivations},
                      {"cuda_graph", r.cudaGraph},
                      {"precision", msf::precisionName(r.precision)},
                      {"blas_config", QString::fromStdString(info.blasConfig)},
                      {"torch_version", QString::fromStdString(info.torchVersion)},
                      {"blas", QString::fromStdString(info.blasLibrary)}};
        out << QJsonDocument(o).toJson(QJsonDocument::Compact) << "\n";
        return 0;
    }
    out << "mode " << QString::fromStdString(opt.mode) << (opt.msformer.referenceImplementation ? " (reference NCHW network)" : "")
        << ", precision " << msf::precisionName(r.precision)
        << ", device " << QString::fromStdString(r.device) << ", " << counted(r.threads, "thread") << ", BLAS "
        << QString::fromStdString(info.blasLibrary) << "\n"
        << "S = " << r.size << ", " << counted(r.channels, "channel") << ", " << r.iterations << " iterations\n"
        << QString("median %1 ms/iteration (min %2, max %3)\n")
               .arg(r.medianIterationMs, 0, 'f', 1).arg(r.minIterationMs, 0, 'f', 1).arg(r.maxIterationMs, 0, 'f', 1)
        << QString("first preview after %1 ms; total %2 ms\n").arg(r.firstPreviewMs, 0, 'f', 0).arg(r.totalMs, 0, 'f', 0)
        << QString("peak RSS %1 MB\n").arg(r.peakRssMb, 0, 'f', 0)
        << QString("%1 GFLOP per iteration (matrix products and convolutions, forward + backward), %2 GFLOP/s "
                   "achieved; 2048^3 matrix product %3 GFLOP/s in this run: efficiency %4%\n")
               .arg(r.gflopPerIteration, 0, 'f', 1).arg(r.achievedGflops, 0, 'f', 1).arg(r.matmulGflops, 0, 'f', 1)
               .arg(r.matmulGflops > 0 ? 100.0 * r.achievedGflops / r.matmulGflops : 0.0, 0, 'f', 0);
    return 0;
}
