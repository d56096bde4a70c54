#pragma once
// Command-line options for the method parameters, shared by segment, eval and bench.
#include <QCommandLineParser>
#include <QString>

#include "msformer/config.h"

#include <map>
#include <string>

struct MethodOptions {
    msf::MsFormerConfig msformer;
    msf::KMeansConfig kmeans;
    std::string mode = "default";
};

// Every parameter of the method as text, for the provenance sidecar.
std::map<std::string, std::string> parameterMap(const MethodOptions& options, const QString& method);

void addMethodOptions(QCommandLineParser& parser);
// Fills `out` from the parser; returns an error sentence or an empty string.
QString readMethodOptions(const QCommandLineParser& parser, MethodOptions* out);

// Prints "msformer <cmd>: <message>" to stderr and returns `code`.
int fail(const QString& command, const QString& message, int code = 1);
