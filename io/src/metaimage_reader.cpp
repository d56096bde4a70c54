#include "msformer/io/metaimage_reader.h"

#include <metaImage.h>  // ITK's MetaIO (its include folder is searched last: it has a nifti1.h of its own)

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <vector>

#include "inflate_data.h"
#include "msformer/io/io_error.h"
#include "voxel_volume.h"

namespace msf::io {

namespace fs = std::filesystem;

namespace {

// MetaIO says what went wrong on std::cerr (some of it on std::cout), and keeps process-wide state: one read
// at a time, its words captured for the error message.
std::mutex& metaIoMutex() {
    static std::mutex m;
    return m;
}

class CapturedOutput {
public:
    CapturedOutput() : out_(std::cout.rdbuf(text_.rdbuf())), err_(std::cerr.rdbuf(text_.rdbuf())) {}
    ~CapturedOutput() {
        std::cout.rdbuf(out_);
        std::cerr.rdbuf(err_);
    }
    CapturedOutput(const CapturedOutput&) = delete;
    CapturedOutput& operator=(const CapturedOutput&) = delete;
    // ": <what MetaIO said>", its lines joined, or nothing where it said nothing.
    std::string reason() const {
        std::istringstream in(text_.str());
        std::string all;
        for (std::string line; std::getline(in, line);) {
            line.erase(std::remove(line.begin(), line.end(), '\r'), line.end());
            const size_t start = line.find_first_not_of(" \t");
            if (start != std::string::npos) all += (all.empty() ? "" : "; ") + line.substr(start);
        }
        if (all.size() > 400) all = all.substr(0, 400) + "...";
        return all.empty() ? std::string() : ": " + all;
    }

private:
    std::ostringstream text_;
    std::streambuf* out_;
    std::streambuf* err_;
};

// A header's text for a message: at most `n` characters, those that do not print as '?'.
std::string shown(const std::string& text, size_t n) {
    std::string out = text.substr(0, n);
    for (char& c : out)
        if (!std::isprint(static_cast<unsigned char>(c))) c = '?';
    return text.size() > n ? out + "..." : out;
}

// MetaIO takes any text as a header and reads key = value lines as long as it finds them: a file whose first
// line is not "Name = value" (ObjectType, NDims, Comment, ...) is not one, and is refused before MetaIO reads it.
void requireHeaderLine(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::string line(256, '\0');
    file.read(line.data(), static_cast<std::streamsize>(line.size()));
    line.resize(static_cast<size_t>(file.gcount()));
    line = line.substr(0, line.find('\n'));
    size_t at = line.find_first_not_of(" \t");
    const size_t nameStart = at;
    while (at < line.size() && (std::isalnum(static_cast<unsigned char>(line[at])) || line[at] == '_')) ++at;
    const size_t nameEnd = at;
    at = line.find_first_not_of(" \t", at);
    if (nameStart == std::string::npos || nameEnd == nameStart || at == std::string::npos || line[at] != '=')
        throw IoError(path, "not a MetaImage file (its first line is not a \"Name = value\" header line such as "
                            "\"ObjectType = Image\" or \"NDims = 3\")");
}

// What MetaIO's header parser does not survive, checked first on every line up to ElementDataFile (found by
// fuzzing and by trying its limits): its dimension arrays hold 10 entries and it reads NDims values for each (an
// NDims of 2999999999 kept it reading for ever, 11 would overrun them); it copies a key, and a text value such as
// Comment or Name, into buffers of 255 bytes (one of 255 to 999 characters aborted the process: buffer overflow).
void checkHeaderLines(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::string head(1 << 20, '\0');
    file.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(file.gcount()));
    std::istringstream lines(head);
    bool ended = false;  // the header's last line, ElementDataFile, seen
    for (std::string line; !ended && std::getline(lines, line);) {
        line.erase(std::remove(line.begin(), line.end(), '\r'), line.end());
        const size_t key = line.find_first_not_of(" \t");
        if (key == std::string::npos) continue;
        const size_t eq = line.find('=', key);
        const std::string name = line.substr(key, eq == std::string::npos ? std::string::npos : eq - key);
        std::string value = eq == std::string::npos ? std::string() : line.substr(eq + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        value.erase(value.find_last_not_of(" \t") + 1);
        const bool numbers = value.find_first_not_of("0123456789+-.eE \t") == std::string::npos;
        ended = name.compare(0, 15, "ElementDataFile") == 0;  // (a long data file name is kept whole)
        if (name.size() >= 255 || (value.size() >= 255 && !numbers && !ended))
            throw IoError(path, "its header line \"" + shown(line, 40) + "\" is " + std::to_string(line.size()) +
                                    " characters long: MetaIO takes names and texts of up to 254");
        if (name.compare(0, 5, "NDims") != 0 || name.find_first_not_of(" \t", 5) != std::string::npos) continue;
        const bool digits = !value.empty() && value.size() <= 2 &&
                            std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); });
        if (!digits || std::stoi(value) < 1 || std::stoi(value) > 10)
            throw IoError(path, "its NDims \"" + shown(value, 40) + "\" is not a dimension count from 1 to 10");
    }
    if (!ended && head.size() == (1u << 20))
        throw IoError(path, "no ElementDataFile line in its first MB: not a MetaImage header (they are a few lines)");
}

template <class T>
double valueAs(const void* values, size_t index) {
    return static_cast<double>(static_cast<const T*>(values)[index]);
}

// How a voxel of this element type is read, or nullptr for a type that is not a number per voxel.
ValueAt valueReader(MET_ValueEnumType type) {
    switch (type) {
        case MET_CHAR: case MET_CHAR_ARRAY: return valueAs<MET_CHAR_TYPE>;
        case MET_UCHAR: case MET_UCHAR_ARRAY: return valueAs<MET_UCHAR_TYPE>;
        case MET_SHORT: case MET_SHORT_ARRAY: return valueAs<MET_SHORT_TYPE>;
        case MET_USHORT: case MET_USHORT_ARRAY: return valueAs<MET_USHORT_TYPE>;
        case MET_INT: case MET_INT_ARRAY: return valueAs<MET_INT_TYPE>;
        case MET_UINT: case MET_UINT_ARRAY: return valueAs<MET_UINT_TYPE>;
        case MET_LONG: case MET_LONG_ARRAY: return valueAs<MET_LONG_TYPE>;
        case MET_ULONG: case MET_ULONG_ARRAY: return valueAs<MET_ULONG_TYPE>;
        case MET_LONG_LONG: case MET_LONG_LONG_ARRAY: return valueAs<MET_LONG_LONG_TYPE>;
        case MET_ULONG_LONG: case MET_ULONG_LONG_ARRAY: return valueAs<MET_ULONG_LONG_TYPE>;
        case MET_FLOAT: case MET_FLOAT_ARRAY: return valueAs<MET_FLOAT_TYPE>;
        case MET_DOUBLE: case MET_DOUBLE_ARRAY: return valueAs<MET_DOUBLE_TYPE>;
        default: return nullptr;
    }
}

// (Signed integers; as the NRRD reader, floating point is not counted.)
bool isSignedType(MET_ValueEnumType type) {
    switch (type) {
        case MET_CHAR: case MET_CHAR_ARRAY: case MET_SHORT: case MET_SHORT_ARRAY: case MET_INT: case MET_INT_ARRAY:
        case MET_LONG: case MET_LONG_ARRAY: case MET_LONG_LONG: case MET_LONG_LONG_ARRAY: return true;
        default: return false;
    }
}

std::string typeName(MET_ValueEnumType type) {
    return type >= 0 && static_cast<size_t>(type) < MET_NUM_VALUE_TYPES ? MET_ValueTypeName[type] : "unknown";
}

bool isLocal(const std::string& name) { return name == "LOCAL" || name == "Local" || name == "local"; }

// Where its data is: "data file case1.raw, zlib-compressed".
std::string dataOf(const MetaImage& mi) {
    const std::string name = mi.ElementDataFileName();
    std::string where;
    if (isLocal(name)) where = "data in the header file";
    else if (name.rfind("LIST", 0) == 0) where = "data in a list of files";
    else if (name.find('%') != std::string::npos) where = "data in numbered files (" + shown(name, 200) + ")";
    else where = "data file " + shown(name, 200);
    return mi.CompressedData() ? where + ", zlib-compressed" : where;
}

// Values in the file: voxels times channels.
size_t valueCount(const MetaImage& mi) {
    size_t n = static_cast<size_t>(std::max(1, mi.ElementNumberOfChannels()));
    for (int d = 0; d < mi.NDims(); ++d) n *= static_cast<size_t>(std::max(1, mi.DimSize(d)));
    return n;
}

// The header alone: what the data will need is checked before MetaIO allocates it.
void checkHeader(const std::string& path, const MetaImage& mi) {
    const int dims = mi.NDims();
    if (dims < 2) throw IoError(path, "the MetaImage has " + std::to_string(dims) + " dimension(s); an image needs 2 or more");
    double voxels = 1;
    for (int d = 0; d < dims; ++d) {
        if (mi.DimSize(d) < 1)
            throw IoError(path, "its DimSize along axis " + std::to_string(d) + " is " + std::to_string(mi.DimSize(d)) +
                                    " (not a size)");
        voxels *= mi.DimSize(d);
    }
    const double nx = mi.DimSize(0), ny = mi.DimSize(1), nz = dims > 2 ? mi.DimSize(2) : 1;
    if (nx * ny * nz > (1u << 28) || nx > (1u << 20) || ny > (1u << 20))
        throw IoError(path, "volume too large (" + std::to_string(mi.DimSize(0)) + " x " + std::to_string(mi.DimSize(1)) +
                                " x " + std::to_string(static_cast<long long>(nz)) + ")");
    if (!valueReader(mi.ElementType()))
        throw IoError(path, "its ElementType " + typeName(mi.ElementType()) + " is not a number per voxel");
    const int channels = mi.ElementNumberOfChannels();
    if (channels < 1 || channels > 64)
        throw IoError(path, "its ElementNumberOfChannels is " + std::to_string(channels) + " (1 to 64 are read)");
    if (voxels * channels * MET_ValueTypeSize[mi.ElementType()] > 4.0 * (1u << 30))
        throw IoError(path, "the MetaImage holds " + std::to_string(static_cast<long long>(voxels * channels)) +
                                " values in all (over 4 GiB); only its first volume would be read: extract it first");
}

// One data file (the header's own, LOCAL, or one named), not a LIST or a numbered pattern.
bool oneDataFile(const MetaImage& mi) {
    const std::string name = mi.ElementDataFileName();
    return isLocal(name) || (name.rfind("LIST", 0) != 0 && name.find('%') == std::string::npos && !name.empty());
}

// A data file's name as MetaIO takes it: relative to the header's folder unless it is absolute.
std::string resolved(const std::string& header, const std::string& name) {
    const fs::path p(name);
    return p.is_relative() ? (fs::path(header).parent_path() / p).string() : p.string();
}

// The header's first MB, where its lines and a LOCAL image's data start are looked for.
std::string headOf(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::string head(1 << 20, '\0');
    file.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(file.gcount()));
    return head;
}

// Where the header ends: after its ElementDataFile line, MetaIO's last (a LOCAL image's data, a LIST's names).
size_t headerEnd(const std::string& path, const std::string& head) {
    for (size_t at = head.find("ElementDataFile"); at != std::string::npos; at = head.find("ElementDataFile", at + 1)) {
        const size_t lineStart = head.find_last_of('\n', at == 0 ? 0 : at - 1);
        const size_t from = at == 0 || lineStart == std::string::npos ? 0 : lineStart + 1;
        if (head.find_first_not_of(" \t", from) != at) continue;  // not at the start of a line
        const size_t eol = head.find('\n', at);
        if (eol != std::string::npos) return eol + 1;
    }
    throw IoError(path, "no ElementDataFile line in its first MB: where its data starts is not known");
}

// A stretch of the data: `bytes` bytes of `file` from `from` (the header's end for LOCAL data, else 0), unless
// MetaIO's HeaderSize says otherwise (that many bytes skipped; -1: the file's last bytes, as MetaIO reads it).
struct Piece {
    std::string file;
    uintmax_t from = 0;
    size_t bytes = 0;
    std::string what;  // "data file case1.raw", "LIST's file 3 (s3.raw)"
};

// A numbered file's name: the pattern's one %d or %i (checked by checkFileList: flags and width digits only)
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

// Where the data of this header lies, in order: the header's own bytes after it (LOCAL), one data file, each
// file of a LIST (the header's lines after ElementDataFile, as many as its DimSize needs) or of a numbered
// pattern (one per slice), each with its share of the bytes. MetaIO's own reading of these went on after short
// files and crashed on some LISTs (an empty name line: it wrote before its string, found by fuzzing): the
// data is read here, MetaIO only parses the header.
std::vector<Piece> dataPieces(const std::string& path, const MetaImage& mi, size_t bytes) {
    const std::string name = mi.ElementDataFileName();
    const int dims = mi.NDims();
    if (isLocal(name)) return {{path, headerEnd(path, headOf(path)), bytes, "data in the header file"}};
    if (oneDataFile(mi)) return {{resolved(path, name), 0, bytes, "data file " + shown(name, 200)}};
    std::vector<Piece> pieces;
    std::istringstream in(name);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    if (name.rfind("LIST", 0) == 0) {
        const int slabDims = words.size() > 1 ? std::atoi(words[1].c_str()) : dims - 1;  // (checked: 1 to NDims)
        size_t files = 1;
        for (int d = std::max(slabDims, 0); d < dims; ++d) files *= static_cast<size_t>(mi.DimSize(d));
        const std::string head = headOf(path);
        std::istringstream lines(head.substr(headerEnd(path, head)));
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
    const int slices = mi.DimSize(dims - 1);  // a pattern checked by checkFileList: one file per slice
    long long first = 1, step = 1;
    if (words.size() >= 2) first = std::stoll(words[1]);
    if (words.size() >= 3) step = (std::stoll(words[2]) - first) / slices;
    if (words.size() == 4) step = std::stoll(words[3]);
    for (int k = 0; k < slices; ++k) {
        const std::string file = numberedName(words[0], first + k * step);
        pieces.push_back({resolved(path, file), 0, bytes / static_cast<size_t>(slices),
                          "numbered file " + shown(file, 200)});
    }
    return pieces;
}

// Each piece's bytes into `out`, in order (compressed: the one piece inflated); a missing or short file is said.
void readPieces(const std::string& path, const MetaImage& mi, std::vector<Piece> pieces, unsigned char* out) {
    for (Piece& p : pieces) {
        std::error_code ec;
        const uintmax_t size = fs::file_size(p.file, ec);
        if (ec) throw IoError(path, "its " + p.what + " cannot be read (" + ec.message() + ")");
        if (mi.HeaderSize() > 0) p.from = static_cast<uintmax_t>(mi.HeaderSize());  // (a LOCAL file's too, as MetaIO)
        else if (mi.HeaderSize() == -1 && !mi.CompressedData()) p.from = size >= p.bytes ? size - p.bytes : 0;
        const uintmax_t available = size > p.from ? size - p.from : 0;
        if (!mi.CompressedData() && available < p.bytes)
            throw IoError(path, "its " + p.what + " is truncated: " + std::to_string(available) + " of the " +
                                    std::to_string(p.bytes) + " bytes its DimSize and ElementType need");
        const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(p.file.c_str(), "rb"), std::fclose);
        if (!file || std::fseek(file.get(), static_cast<long>(p.from), SEEK_SET) != 0)
            throw IoError(path, "its " + p.what + " cannot be opened");
        if (mi.CompressedData())
            inflateData(path, file.get(), out, p.bytes, Compression::Zlib, "its header says CompressedData = True");
        else if (std::fread(out, 1, p.bytes, file.get()) != p.bytes)
            throw IoError(path, "its " + p.what + " could not be read to its end");
        out += p.bytes;
    }
}

// A LIST of data files ("LIST", or "LIST 2D": each file a 2-D slab) or a numbered-file pattern
// ("slice%03d.raw first last [step]", one file per slice of the last axis), checked before MetaIO reads them
// (its code read, and fuzzed): it indexes its arrays by a LIST's dimension (a negative one crashed it), divides
// by the step it derives and loops by it (a step of 0 crashed it or never ended), fills fewer slices than the
// image has without a word where the pattern names fewer, and hands the pattern to printf as its format (a
// "%s" or "%n" there would read or write through garbage).
void checkFileList(const std::string& path, const MetaImage& mi) {
    const std::string name = mi.ElementDataFileName();
    std::istringstream in(name);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    const int dims = mi.NDims(), slices = mi.DimSize(dims - 1);
    const auto refuse = [&path, &name](const std::string& why) {
        throw IoError(path, "its ElementDataFile \"" + shown(name, 80) + "\" is not " + why);
    };
    if (name.rfind("LIST", 0) == 0) {
        if (words.empty() || words[0] != "LIST" || words.size() > 2) refuse("\"LIST\" or \"LIST <n>D\"");
        if (words.size() == 2) {
            const std::string& d = words[1];
            const bool ok = d.size() <= 3 && std::isdigit(static_cast<unsigned char>(d[0])) &&
                            d.find_first_not_of("0123456789") >= d.size() - 1 &&
                            (std::isdigit(static_cast<unsigned char>(d.back())) || d.back() == 'D' || d.back() == 'd');
            if (!ok || std::atoi(d.c_str()) < 1 || std::atoi(d.c_str()) > dims)
                refuse("a LIST of files of 1 to " + std::to_string(dims) + " dimensions (\"LIST 2D\")");
        }
        return;
    }
    const auto number = [&words](size_t i, long long* v) {
        char* end = nullptr;
        *v = std::strtoll(words[i].c_str(), &end, 10);
        return !words[i].empty() && *end == '\0' && std::llabs(*v) <= 1000000;
    };
    // The name's one conversion: %d or %i, a width or 0 padding allowed ("slice%03d.raw"); "%%" a percent sign.
    int conversions = 0;
    bool ok = !words.empty() && words.size() <= 4;
    for (size_t i = 0; ok && i < words[0].size(); ++i) {
        if (words[0][i] != '%') continue;
        if (i + 1 < words[0].size() && words[0][i + 1] == '%') {
            ++i;
            continue;
        }
        size_t j = i + 1;
        while (j < words[0].size() && j - i <= 3 && std::isdigit(static_cast<unsigned char>(words[0][j]))) ++j;
        ok = j < words[0].size() && (words[0][j] == 'd' || words[0][j] == 'i') && ++conversions == 1;
        i = j;
    }
    for (const std::string& w : words) ok = ok && w.size() < METAIO_MAX_WORD_SIZE;
    long long first = 1, last = slices, step = 1;  // (the pattern alone: files 1 to the slice count)
    if (ok && words.size() >= 2) ok = number(1, &first), last = first + slices - 1;
    if (ok && words.size() >= 3) ok = number(2, &last), step = (last - first) / slices;  // MetaIO's rule
    if (ok && words.size() == 4) ok = number(3, &step);
    if (!ok || conversions != 1 || step <= 0 || last < first || (last - first) / step + 1 != slices)
        refuse("a numbered-file pattern this reader takes (name%03d.raw first last [step], one file for each of its " +
               std::to_string(slices) + " slices)");
}

void swapBytes(unsigned char* values, size_t count, size_t size) {
    for (size_t i = 0; i < count; ++i) std::reverse(values + i * size, values + (i + 1) * size);
}

}  // namespace

bool isMetaImageInput(const std::string& path) {
    std::string lower = path.size() > 4 ? path.substr(path.size() - 4) : path;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    return lower == ".mha" || lower == ".mhd";
}

Image readMetaImage(const std::string& path) {
    requireNonEmptyFile(path, "a MetaImage file");
    requireHeaderLine(path);
    checkHeaderLines(path);
    const std::lock_guard<std::mutex> lock(metaIoMutex());
    MetaImage mi;
    {
        CapturedOutput said;
        if (!mi.Read(path.c_str(), false)) throw IoError(path, "not a readable MetaImage header" + said.reason());
    }
    checkHeader(path, mi);  // before anything is allocated
    if (const std::string name = mi.ElementDataFileName(); name.empty()) {
        throw IoError(path, "its ElementDataFile names no data file");  // (MetaIO then read the header's stream)
    } else if (!oneDataFile(mi)) {
        checkFileList(path, mi);
    }
    // Compressed data is inflated here, from one data file: MetaIO's own inflate of a LIST or numbered files
    // (rare) would go unchecked, and compressed text is not a MetaImage layout.
    if (mi.CompressedData() && (!oneDataFile(mi) || !mi.BinaryData()))
        throw IoError(path, "compressed data " + std::string(mi.BinaryData() ? "split over several files (" + dataOf(mi) + ")"
                                                                             : "written as text") + " is not read");
    const size_t typeSize = MET_ValueTypeSize[mi.ElementType()];
    const size_t values = valueCount(mi);  // (MetaIO's Quantity() is set only once it has read the data)
    const size_t bytes = values * typeSize;
    // MetaIO reports a short data file or a failed decompression on std::cerr only and goes on with the buffer
    // half filled, says nothing of a cut zlib stream, and crashed on some LISTs: binary data is read here, by
    // dataPieces and readPieces; values written as text (one file) are MetaIO's to parse, any word it says
    // while it does failing the read.
    std::vector<unsigned char> own;
    void* data = nullptr;
    if (mi.BinaryData()) {
        own.resize(std::max<size_t>(1, bytes));
        readPieces(path, mi, dataPieces(path, mi, bytes), own.data());
        data = own.data();
    } else {
        if (!oneDataFile(mi)) throw IoError(path, "values written as text over several files are not read");
        if (!isLocal(mi.ElementDataFileName())) {
            std::error_code ec;  // (MetaIO leaks its stream, 520 bytes, where it cannot open the file)
            const std::string file = resolved(path, mi.ElementDataFileName());
            (void)fs::file_size(file, ec);
            if (ec) throw IoError(path, "its " + dataOf(mi) + " cannot be read (" + ec.message() + ")");
        }
        CapturedOutput said;
        const bool read = mi.Read(path.c_str(), true);
        const std::string reason = said.reason();
        if (!read || !reason.empty() || !mi.ElementData())
            throw IoError(path, "cannot read its " + dataOf(mi) + (reason.empty() ? std::string(": MetaIO read none") : reason));
        checkHeader(path, mi);  // (read again with the data: what was read is what is used)
        if (valueCount(mi) * typeSize != bytes) throw IoError(path, "the file changed while it was being read");
        data = mi.ElementData();
    }
    // (MetaIO leaves the values in the file's byte order: ITK swaps them after reading, as is done here.)
    if (typeSize > 1 && mi.BinaryData() && mi.BinaryDataByteOrderMSB() != MET_SystemByteOrderMSB())
        swapBytes(static_cast<unsigned char*>(data), values, typeSize);

    const int dims = mi.NDims();
    const size_t nx = mi.DimSize(0), ny = mi.DimSize(1), nz = dims > 2 ? mi.DimSize(2) : 1;
    const size_t spatial = dims > 2 ? 3 : 2;
    const size_t channels = mi.ElementNumberOfChannels();
    Image img;
    auto& m = img.meta;
    m.niftiFileType = "MetaImage, " + dataOf(mi);

    // Geometry: ITK's world is LPS; row d of TransformMatrix is axis d's direction, as ITK reads it. A 2-D image
    // lies in the plane z = 0, as ITK reads one into a 3-D image.
    const double* tm = mi.TransformMatrix();
    std::array<std::array<double, 3>, 3> axisRas{};
    std::array<double, 3> originRas{}, voxelMm{};
    constexpr std::array<double, 3> lpsToRas = {-1, -1, 1};
    for (size_t c = 0; c < spatial; ++c) {
        double spacing = mi.ElementSpacing(static_cast<int>(c));
        if (!std::isfinite(spacing) || spacing <= 0) {
            m.readerNotes.push_back("its ElementSpacing along axis " + std::to_string(c) + " is not a length: read as 1");
            spacing = 1;
        }
        voxelMm[c] = spacing;
        for (size_t r = 0; r < spatial; ++r) axisRas[c][r] = lpsToRas[r] * tm[c * dims + r] * spacing;
    }
    for (size_t r = 0; r < spatial; ++r) originRas[r] = lpsToRas[r] * mi.Position(static_cast<int>(r));
    setPatientGrid(m, axisRas, spatial, originRas);
    if (m.niftiAxes.empty())
        m.readerNotes.push_back("its TransformMatrix gives no patient directions: shown as stored, without orientation");
    setShownSpacing(m, voxelMm, spatial > 2);

    // The values, channels interleaved per voxel; of a 4th and further axes the first volume.
    const StoredGrid grid{nx, ny, nz, channels, nx * channels, nx * ny * channels};
    const bool colour = (mi.ElementType() == MET_UCHAR || mi.ElementType() == MET_UCHAR_ARRAY) &&
                        (channels == 3 || channels == 4);
    img.frames = colour ? colourSlices(static_cast<const uint8_t*>(data), 1, grid, m.niftiTurn)
                        : greySlices(data, valueReader(mi.ElementType()), grid, m.niftiTurn);
    if (colour && channels == 4) m.readerNotes.push_back("its alpha channel is left out (RGBA voxels read as RGB)");
    if (!colour && channels > 1)
        m.readerNotes.push_back("its voxels have " + std::to_string(channels) + " components: only the first is read");
    const double slope = mi.ElementToIntensityFunctionSlope(), offset = mi.ElementToIntensityFunctionOffset();
    if (!colour && (slope != 1.0 || offset != 0.0) && std::isfinite(slope) && std::isfinite(offset)) {
        for (cv::Mat& f : img.frames) f.convertTo(f, CV_32F, slope, offset);
        std::ostringstream note;
        note << "its ElementToIntensityFunction is applied (value x " << slope << " + " << offset << ")";
        m.readerNotes.push_back(note.str());
    }
    size_t volumes = 1;
    for (int d = 3; d < dims; ++d) volumes *= static_cast<size_t>(mi.DimSize(d));
    if (volumes > 1)
        m.readerNotes.push_back("it holds " + std::to_string(volumes) + " volumes along its axes beyond the third: "
                                "only the first is read");
    m.niftiVolumes = static_cast<int>(std::min<size_t>(volumes, 1u << 30));
    m.sourcePath = path;
    m.format = "MetaImage";
    m.photometric = colour ? "RGB" : "MONOCHROME2";
    m.bitsAllocated = m.bitsStored = colour ? 8 : static_cast<int>(MET_ValueTypeSize[mi.ElementType()] * 8);
    m.isSigned = isSignedType(mi.ElementType());
    m.volumeDims = {static_cast<int>(nx), static_cast<int>(ny), static_cast<int>(nz)};
    img.current = static_cast<int>(nz / 2);
    m.window = defaultWindow(img);
    return img;
}

}  // namespace msf::io
