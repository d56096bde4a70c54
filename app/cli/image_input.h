#pragma once
// Loading an input image the way the CLI options say (frame, series, window).
#include <QCommandLineParser>
#include <QString>
#include <QTextStream>

#include "msformer/image_buffer.h"
#include "msformer/io/dicom_reader.h"
#include "msformer/io/image.h"

#include <vector>

// `frameLists`: --frame also takes ranges and lists ("3-7,12") and "all" (segment).
void addImageInputOptions(QCommandLineParser& parser, bool frameLists = false);

struct LoadedInput {
    msf::io::Image image;
    msf::ImageBuffer buffer;  // the current frame, windowed, [0, 1]
};

// Throws IoError / std::runtime_error naming the file. `seriesUid`, when
// given, is the series of a DICOM folder to read instead of --series; `listed`, the folder's series as
// listDicomSeries gave them (it is not walked again).
LoadedInput loadInput(const QString& path, const QCommandLineParser& parser, int frame = -2,
                      const std::string& seriesUid = {}, const std::vector<msf::io::DicomSeries>& listed = {});

// "LABEL: note: ..." for each thing the reader changed or left out (io::loadNotes), as segment and eval say it.
void printReaderNotes(QTextStream& out, const QString& label, const msf::io::Image& image);

// The frames --frame names when it takes lists: "all", N, A-B, or a comma-separated list of them.
struct FrameSelection {
    bool all = false;
    std::vector<std::pair<int, int>> ranges;  // inclusive, in the order given
    bool empty() const { return !all && ranges.empty(); }
    // The frames of an image of `count` frames, ascending, each once; throws
    // IoError naming `path` for a frame beyond the image.
    std::vector<int> resolve(int count, const QString& path) const;
};
// Empty text: not set. An error message (for exit code 2) when the text is not such a list.
QString parseFrameSelection(const QString& text, FrameSelection* selection);

// Makes `frame` of an input loaded with every frame current: its window (--window, else the image's
// default for that frame, as loading with that frame gives) and the buffer to segment.
void selectFrame(LoadedInput& input, int frame, const QString& path, const QCommandLineParser& parser);
