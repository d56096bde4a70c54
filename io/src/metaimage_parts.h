#pragma once
// The MetaImage reader's parts (metaimage_reader.cpp; the writer, metaimage_writer.cpp, shares the lock): what ITK's MetaIO does not survive, checked before it
// parses a header (metaimage_checks.cpp), and where the data lies and its reading (metaimage_data.cpp).
#include <metaImage.h>  // ITK's MetaIO (its include folder is searched last: it has a nifti1.h of its own)

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "msformer/io/load_cancel.h"

namespace msf::io::metaimage {

// MetaIO keeps process-wide state (its field records are built per object, but not every part of it is known
// to be reentrant): one read or write at a time.
std::mutex& metaIoMutex();

// A header's text for a message: at most `n` characters, those that do not print as '?'.
std::string shown(const std::string& text, size_t n);
bool isLocal(const std::string& dataFileName);  // "LOCAL": the data follows the header in its file
// One data file (the header's own, LOCAL, or one named), not a LIST or a numbered pattern.
bool oneDataFile(const MetaImage& mi);
// Where its data is: "data file case1.raw, zlib-compressed".
std::string dataOf(const MetaImage& mi);

// The header's first MB, and where the header ends in it: after the line of its ElementDataFile field (a LOCAL
// image's data, a LIST's names start there; npos where the first MB has no such field).
struct HeaderText {
    std::string head;
    size_t end = std::string::npos;
};
// Before MetaIO parses the header: its first line is "Name = value", its NDims 1 to 10, no line of 255
// characters or more but a numeric array's, an ElementDataFile line in its first MB. IoError naming `path`
// otherwise.
HeaderText checkHeaderText(const std::string& path);
// Why MetaIO cannot parse this header, or takes its element type as MET_OTHER, where this reader can tell: a
// required field missing or spelt in another case, a DimSize of fewer or other than whole sizes than NDims, an
// ElementType that is not one of MetaIO's names. Empty where none of these is the reason.
std::string headerProblem(const HeaderText& header);

// The files of a LIST or a numbered pattern, as its ElementDataFile names them.
struct FileSeries {
    bool list = false;            // LIST: the file names follow the header, one per line
    int slabDims = 0;             // LIST: the dimensions of each file's slab ("LIST 2D"; NDims - 1 unless named)
    std::string pattern;          // numbered: "slice%03d.raw", one file per slice of the last axis
    long long first = 1, step = 1;
};
// A LIST's dimension and a numbered-file pattern as this reader takes them, or IoError naming `path`.
FileSeries fileSeriesOf(const std::string& path, const MetaImage& mi);

// A stretch of the data: `bytes` bytes of `file` from `from` (the header's end for LOCAL data, else 0), unless
// MetaIO's HeaderSize says otherwise (that many bytes skipped; -1: the file's last bytes, as MetaIO reads it).
struct Piece {
    std::string file;
    uintmax_t from = 0;
    size_t bytes = 0;
    std::string what;  // "data file case1.raw", "LIST's file 3 (s3.raw)"
};

// A data file's name as MetaIO takes it: relative to the header's folder unless it is absolute.
std::string resolved(const std::string& header, const std::string& name);
// Where the data of this header lies, in order (LOCAL, one file, each file of a LIST or numbered pattern).
std::vector<Piece> dataPieces(const std::string& path, const HeaderText& header, const MetaImage& mi, size_t bytes);
// Each piece's bytes into `out`, in order (compressed: the one piece inflated); a missing or short file is said.
void readPieces(const std::string& path, const MetaImage& mi, std::vector<Piece> pieces, unsigned char* out,
                const CancelCheck& cancelled);  // asked between 16 MB reads
// Values written as text (BinaryData = False): the first `count` numbers of the piece, whitespace-separated;
// fewer, or a word that is not a number, is said.
std::vector<double> readTextValues(const std::string& path, const MetaImage& mi, Piece piece, size_t count);

}  // namespace msf::io::metaimage
