#pragma once
// Loading an input image the way the CLI options say (frame, series, window).
#include <QCommandLineParser>
#include <QString>

#include "msformer/image_buffer.h"
#include "msformer/io/image.h"

void addImageInputOptions(QCommandLineParser& parser);

struct LoadedInput {
    msf::io::Image image;
    msf::ImageBuffer buffer;  // the current frame, windowed, [0, 1]
};

// Throws IoError / std::runtime_error naming the file. `seriesUid`, when
// given, is the series of a DICOM folder to read instead of --series.
LoadedInput loadInput(const QString& path, const QCommandLineParser& parser, int frame = -2,
                      const std::string& seriesUid = {});
