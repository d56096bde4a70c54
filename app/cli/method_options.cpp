#include "method_options.h"

#include <QTextStream>

#include "msformer/runtime_info.h"
#include "wording.h"

namespace {
bool toInt(const QString& s, int* out) {
    bool ok = false;
    *out = s.toInt(&ok);
    return ok;
}
}  // namespace

QString readMaskLabelOption(const QCommandLineParser& p, const QString& option, int* label) {
    *label = 0;
    if (!p.isSet(option)) return {};
    bool ok = false;
    *label = p.value(option).toInt(&ok);
    return ok && *label >= 1 ? QString() : "--" + option + " needs a label value or segment number >= 1";
}

int fail(const QString& command, const QString& message, int code) {
    QTextStream(stderr) << "msformer " << command << ": " << message << "\n";
    return code;
}

int printHelp(const QCommandLineParser& p, const QString& command) {
    QString text = p.helpText();
    // Qt's first line is "Usage: <argv[0]> [options] ...".
    const QString usage = "Usage: ";
    if (text.startsWith(usage)) {
        const qsizetype end = text.indexOf(" [options]");
        if (end > 0) text.replace(usage.size(), end - usage.size(), "msformer " + command);
    }
    QTextStream(stdout) << text;
    return 0;
}

void addMethodOptions(QCommandLineParser& p, int defaultIterations) {
    p.addOptions({
        {"mode", "default (interactive: S = 129, interpolated upsampling, speck-robust stopping, "
                 "standardised input) or faithful (the published method exactly, S = 257). Default: default.", "MODE"},
        {"size", "Working size S (S x S). Default 129 (faithful: 257).", "S"},
        {"iterations", QString("Maximum iterations. Default %1.").arg(defaultIterations), "N"},
        {"min-labels", "Stop once this many distinct labels remain. Default 3.", "N"},
        {"seed", "Random seed. Default 0.", "N"},
        {"device", "auto, cpu or cuda. Default auto.", "DEV"},
        {"threads", "CPU threads (0 = all cores). Default 0.", "N"},
        {"weights", "Loss weights CE,INTER,INTRA. Default 1,2,1.2.", "W"},
        {"losses", "Enabled losses, e.g. ce,inter,intra (ablation). Default all.", "LIST"},
        {"intra-shift", "Intra-scale shift: 1 (published code) or 2 (paper). Default 1.", "N"},
        {"embed-dim", "Embedding dimension D (= clusters K). Default 100.", "D"},
        {"k", "k-means clusters. Default 3 (2 for lung CT in the paper).", "K"},
        {"precision", "Arithmetic of the network's matrix products and convolutions: fp32, tf32 (CUDA tensor "
                      "cores; float32 on the CPU), bf16 (bfloat16 inputs, float32 accumulation) or auto (tf32 on "
                      "CUDA, bf16 on CPUs with native bfloat16, else fp32). Default: auto (faithful: tf32).",
         "P"},
        {"reference", "Run the literal NCHW transcription of the network (same parameters, slower; "
                      "for before/after comparisons)."},
    });
}

QString readMethodOptions(const QCommandLineParser& p, MethodOptions* out) {
    const QString mode = p.isSet("mode") ? p.value("mode") : "default";
    out->mode = mode.toStdString();
    if (mode == "default") out->msformer = msf::interactiveConfig();
    else if (mode == "faithful") out->msformer = msf::faithfulConfig();
    else return QString("--mode must be default or faithful, got '%1'").arg(mode);
    auto& m = out->msformer;
    auto& km = out->kmeans;
    int v = 0;
    struct IntOpt { const char* name; int* target; };
    for (const IntOpt& o : {IntOpt{"size", &m.size}, IntOpt{"iterations", &m.maxIterations},
                            IntOpt{"min-labels", &m.minLabels}, IntOpt{"threads", &m.threads},
                            IntOpt{"intra-shift", &m.intraShift}, IntOpt{"k", &km.k}}) {
        if (!p.isSet(o.name)) continue;
        if (!toInt(p.value(o.name), &v)) return QString("--%1 needs an integer, got '%2'").arg(o.name, p.value(o.name));
        *o.target = v;
    }
    // The engine cuts a count above the cores (threadsFor); say so.
    if (const int used = msf::threadsFor(m.threads); m.threads > used)
        QTextStream(stderr) << "msformer: --threads " << m.threads << ": this process may use "
                            << counted(used, "core") << ", so it runs " << used
                            << " (threads beyond the cores wait for one and slow the run down)\n";
    if (p.isSet("embed-dim")) {
        if (!toInt(p.value("embed-dim"), &v)) return "--embed-dim needs an integer";
        m.embedDim = m.clusters = v;
    }
    if (p.isSet("seed")) {
        bool ok = false;
        const qulonglong s = p.value("seed").toULongLong(&ok);
        if (!ok) return QString("--seed needs a non-negative integer, got '%1'").arg(p.value("seed"));
        m.seed = km.seed = s;
    }
    if (p.isSet("device")) {
        if (!msf::parseDeviceChoice(p.value("device").toStdString(), &m.device))
            return QString("--device must be auto, cpu or cuda, got '%1'").arg(p.value("device"));
        km.device = m.device;
    }
    if (p.isSet("weights")) {
        const QStringList w = p.value("weights").split(',');
        bool ok1 = false, ok2 = false, ok3 = false;
        if (w.size() == 3) {
            m.weights.ce = w[0].toDouble(&ok1);
            m.weights.inter = w[1].toDouble(&ok2);
            m.weights.intra = w[2].toDouble(&ok3);
        }
        if (!(ok1 && ok2 && ok3)) return QString("--weights needs three numbers CE,INTER,INTRA, got '%1'").arg(p.value("weights"));
    }
    if (p.isSet("losses")) {
        m.useCe = m.useInter = m.useIntra = false;
        for (const QString& l : p.value("losses").split(',')) {
            if (l == "ce") m.useCe = true;
            else if (l == "inter") m.useInter = true;
            else if (l == "intra") m.useIntra = true;
            else return QString("--losses: unknown loss '%1' (ce, inter, intra)").arg(l);
        }
    }
    m.referenceImplementation = p.isSet("reference");
    if (p.isSet("precision") && !msf::parsePrecision(p.value("precision").toStdString(), &m.precision))
        return QString("--precision must be auto, fp32, tf32 or bf16, got '%1'").arg(p.value("precision"));
    km.size = m.size;
    if (const auto e = m.validate(); !e.empty()) return QString::fromStdString(e);
    if (const auto e = km.validate(); !e.empty()) return QString::fromStdString(e);
    return {};
}

std::map<std::string, std::string> runParameters(const MethodOptions& options, const QString& method,
                                                 const msf::SegmentationResult& run) {
    auto parameters = run.parameters;
    if (method != "kmeans") parameters["mode"] = options.mode;
    return parameters;
}
