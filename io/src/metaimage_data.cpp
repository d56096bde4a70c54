#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <memory>
#include <sstream>

#include "chunked_read.h"
#include "inflate_data.h"
#include "metaimage_parts.h"
#include "msformer/io/io_error.h"

namespace msf::io::metaimage {

namespace fs = std::filesystem;

namespace {

// Where the header ends (a LOCAL image's data, a LIST's names), as checkHeaderText found it.
size_t headerEnd(const std::string& path, const HeaderText& header) {
    if (header.end == std::string::npos)
        throw IoError(path, "no ElementDataFile line in its first MB: where its data starts is not known");
    return header.end;
}

// A numbered file's name: the pattern's one %d or %i (checked by fileSeriesOf: flags and width digits only)
// and its %% written out here, not handed to printf as MetaIO does.
std::string numberedName(const std::string& pattern, long long n) {
    std::string out;
    for (size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] != '%') {
            out += pattern[i];
        } else if (pattern[i + 1] == '%') {
            out += '%';
            ++i;
        } else {
            size_t j = i + 1;
            while (std::isdigit(static_cast<unsigned char>(pattern[j]))) ++j;
            const std::string width = pattern.substr(i + 1, j - i - 1);
            std::ostringstream number;
            if (!width.empty())
                number << std::setfill(width[0] == '0' ? '0' : ' ') << std::setw(std::stoi(width));
            number << n;
            out += number.str();
            i = j;
        }
    }
    return out;
}

// A piece's file size, or IoError naming `path`, the piece and why it cannot be read.
uintmax_t sizeOf(const std::string& path, const Piece& piece) {
    std::error_code ec;
    const uintmax_t size = fs::file_size(piece.file, ec);
    if (ec) throw IoError(path, "its " + piece.what + " cannot be read (" + ec.message() + ")");
    return size;
}

}  // namespace

std::string resolved(const std::string& header, const std::string& name) {
    const fs::path p(name);
    return p.is_relative() ? (fs::path(header).parent_path() / p).string() : p.string();
}

// Where the data of this header lies, in order: the header's own bytes after it (LOCAL), one data file, each
// file of a LIST (the header's lines after ElementDataFile, as many as its DimSize needs) or of a numbered
// pattern (one per slice), each with its share of the bytes. MetaIO's own reading of these went on after short
// files and crashed on some LISTs (an empty name line: it wrote before its string, found by fuzzing): the
// data is read here, MetaIO only parses the header.
std::vector<Piece> dataPieces(const std::string& path, const HeaderText& header, const MetaImage& mi, size_t bytes) {
    const std::string name = mi.ElementDataFileName();
    const int dims = mi.NDims();
    if (isLocal(name)) return {{path, headerEnd(path, header), bytes, "data in the header file"}};
    if (oneDataFile(mi)) return {{resolved(path, name), 0, bytes, "data file " + shown(name, 200)}};
    const FileSeries series = fileSeriesOf(path, mi);
    std::vector<Piece> pieces;
    if (series.list) {
        size_t files = 1;
        for (int d = series.slabDims; d < dims; ++d) files *= static_cast<size_t>(mi.DimSize(d));
        std::istringstream lines(header.head.substr(headerEnd(path, header)));
        for (std::string line; pieces.size() < files && std::getline(lines, line);) {
            while (!line.empty() && (std::isspace(static_cast<unsigned char>(line.back())) ||
                                     !std::isprint(static_cast<unsigned char>(line.back()))))
                line.pop_back();  // (as MetaIO trims a name)
            if (line.empty())
                throw IoError(path, "its LIST has an empty line where file " + std::to_string(pieces.size() + 1) +
                                        " of its " + std::to_string(files) + " is named");
            pieces.push_back({resolved(path, line), 0, bytes / files,
                              "LIST's file " + std::to_string(pieces.size() + 1) + " (" + shown(line, 200) + ")"});
        }
        if (pieces.size() < files)
            throw IoError(path, "its LIST names " + std::to_string(pieces.size()) + " of the " + std::to_string(files) +
                                    " files its DimSize needs");
        return pieces;
    }
    const int slices = mi.DimSize(dims - 1);  // one file per slice
    for (int k = 0; k < slices; ++k) {
        const std::string file = numberedName(series.pattern, series.first + k * series.step);
        pieces.push_back({resolved(path, file), 0, bytes / static_cast<size_t>(slices),
                          "numbered file " + shown(file, 200)});
    }
    return pieces;
}

// Each piece's bytes into `out`, in order (compressed: the one piece inflated); a missing or short file is said.
void readPieces(const std::string& path, const MetaImage& mi, std::vector<Piece> pieces, unsigned char* out,
                const CancelCheck& cancelled) {
    for (Piece& p : pieces) {
        const uintmax_t size = sizeOf(path, p);
        if (mi.HeaderSize() > 0) p.from = static_cast<uintmax_t>(mi.HeaderSize());  // (a LOCAL file's too, as MetaIO)
        else if (mi.HeaderSize() == -1 && !mi.CompressedData()) p.from = size >= p.bytes ? size - p.bytes : 0;
        const uintmax_t available = size > p.from ? size - p.from : 0;
        if (!mi.CompressedData() && available < p.bytes)
            throw IoError(path, "its " + p.what + " is truncated: " + std::to_string(available) + " of the " +
                                    std::to_string(p.bytes) + " bytes its DimSize and ElementType need");
        const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(p.file.c_str(), "rb"), std::fclose);
        if (!file || std::fseek(file.get(), static_cast<long>(p.from), SEEK_SET) != 0)
            throw IoError(path, "its " + p.what + " cannot be opened");
        if (mi.CompressedData()) {
            inflateData(path, file.get(), out, p.bytes, Compression::Zlib, "its header says CompressedData = True",
                        cancelled);
        } else if (readInChunks(path, out, p.bytes, cancelled, [&file](unsigned char* to, size_t n) {
                       return std::fread(to, 1, n, file.get());
                   }) != p.bytes) {
            throw IoError(path, "its " + p.what + " could not be read to its end");
        }
        out += p.bytes;
    }
}

std::vector<double> readTextValues(const std::string& path, const MetaImage& mi, Piece piece, size_t count) {
    (void)sizeOf(path, piece);  // (a missing file said with its reason)
    std::ifstream file(piece.file, std::ios::binary);
    if (!file) throw IoError(path, "its " + piece.what + " cannot be read");
    if (mi.HeaderSize() > 0) piece.from = static_cast<uintmax_t>(mi.HeaderSize());
    file.seekg(static_cast<std::streamoff>(piece.from));
    std::vector<double> values;
    values.reserve(count);
    for (std::string word; values.size() < count && file >> word;) {
        char* end = nullptr;
        const double v = std::strtod(word.c_str(), &end);
        if (*end != '\0')
            throw IoError(path, "its " + piece.what + " holds \"" + shown(word, 20) + "\" where value " +
                                    std::to_string(values.size() + 1) + " should be a number");
        values.push_back(v);
    }
    if (values.size() < count)
        throw IoError(path, "its " + piece.what + " (values written as text) ends after " + std::to_string(values.size()) +
                                " of the " + std::to_string(count) + " values its DimSize needs");
    return values;
}

}  // namespace msf::io::metaimage
