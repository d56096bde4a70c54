#pragma once
// Command-line options for the method parameters, shared by segment, eval and bench.
#include <QCommandLineParser>
#include <QString>

#include "msformer/config.h"
#include "msformer/segmenter.h"

#include <map>
#include <string>

struct MethodOptions {
    msf::MsFormerConfig msformer;
    msf::KMeansConfig kmeans;
    std::string mode = "default";
};

// What a run used, for provenance (the segment sidecar, eval's JSON): its
// parameters with device and precision resolved, and for MS-Former the mode
// (preset) they started from.
std::map<std::string, std::string> runParameters(const MethodOptions& options, const QString& method,
                                                 const msf::SegmentationResult& run);

// `defaultIterations` is what --iterations says its default is (bench runs 10).
void addMethodOptions(QCommandLineParser& parser, int defaultIterations = 50);
// Fills `out` from the parser; returns an error sentence or an empty string.
QString readMethodOptions(const QCommandLineParser& parser, MethodOptions* out);

// A mask label option (eval --mask-label, fill --label): its value into `label` (0 when not set); returns an
// error sentence or an empty string.
QString readMaskLabelOption(const QCommandLineParser& parser, const QString& option, int* label);

// Prints the parser's help to stdout, its usage line naming "msformer <command>"
// (Qt names the program as it was started, without the command); returns 0.
int printHelp(const QCommandLineParser& parser, const QString& command);

// Prints "msformer <cmd>: <message>" to stderr and returns `code`.
int fail(const QString& command, const QString& message, int code = 1);
