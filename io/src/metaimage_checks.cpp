#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "file_checks.h"
#include "metaimage_parts.h"
#include "msformer/io/io_error.h"

namespace msf::io::metaimage {

namespace {

// The header's first MB, where its lines, a LOCAL image's data start and a LIST's names are looked for.
std::string headOf(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::string head(1 << 20, '\0');
    file.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(file.gcount()));
    return head;
}

// MetaIO takes any text as a header and reads key = value lines as long as it finds them: a file whose first
// line is not "Name = value" (ObjectType, NDims, Comment, ...) is not one, and is refused before MetaIO reads it.
void requireHeaderLine(const std::string& path, const std::string& head) {
    std::string line = head.substr(0, 256);
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

// MetaIO's numeric array fields: the only ones whose line may be long (a 10-D TransformMatrix is 100 numbers).
bool isNumberArrayField(const std::string& name) {
    for (const char* field : {"TransformMatrix", "Rotation", "Orientation", "Offset", "Position", "Origin",
                              "CenterOfRotation", "ElementSpacing", "ElementSize", "DimSize", "Color", "SequenceID",
                              "ImagePosition"})
        if (name == field) return true;
    return false;
}

// A header line as MetaIO splits it: the name from the line's start up to '=' or ':', the value after it, both
// without surrounding blanks.
struct HeaderLine {
    std::string line, name, value;
};
// Calls `use` with each header line from the start, up to and with the field named exactly ElementDataFile,
// where MetaIO stops; returns the offset after that line (npos where the text holds none).
size_t forEachHeaderLine(const std::string& head, const std::function<void(const HeaderLine&)>& use) {
    for (size_t at = 0; at < head.size();) {
        const size_t eol = head.find('\n', at);
        const size_t next = eol == std::string::npos ? head.size() : eol + 1;
        HeaderLine h{head.substr(at, next - at), {}, {}};
        at = next;
        std::string& line = h.line;
        line.erase(std::remove_if(line.begin(), line.end(), [](char c) { return c == '\r' || c == '\n'; }),
                   line.end());
        const size_t key = line.find_first_not_of(" \t");
        if (key == std::string::npos) continue;
        const size_t sep = line.find_first_of("=:", key);
        h.name = line.substr(key, sep == std::string::npos ? std::string::npos : sep - key);
        h.name.erase(h.name.find_last_not_of(" \t") + 1);
        h.value = sep == std::string::npos ? std::string() : line.substr(sep + 1);
        h.value.erase(0, h.value.find_first_not_of(" \t"));
        h.value.erase(h.value.find_last_not_of(" \t") + 1);
        use(h);
        if (h.name == "ElementDataFile") return next;
    }
    return std::string::npos;
}

// What MetaIO's header parser does not survive, checked first on every line up to ElementDataFile (found by
// fuzzing, by trying its limits and by reading its MET_Read): its dimension arrays hold 10 entries and it reads
// NDims values for each (an NDims of 2999999999 kept it reading for ever, 11 would overrun them); it takes a
// field's name from the start of a line up to '=', ':' or the line's end, and copies a name, and a text value
// such as Comment or Name (which it may take from the next line), into buffers of 255 bytes: a line of 255 to
// 999 characters aborted the process (buffer overflow), so a line that long passes only as a numeric array
// field's. Where MetaIO stops, at the field named exactly ElementDataFile, the header ends: the offset after that
// line is returned (npos where the first MB holds none: then MetaIO fails on the missing field).
size_t checkHeaderLines(const std::string& path, const std::string& head) {
    const size_t end = forEachHeaderLine(head, [&path](const HeaderLine& h) {
        const bool numbers = h.value.find_first_not_of("0123456789+-.eE \t") == std::string::npos;
        const bool ended = h.name == "ElementDataFile";  // (a long data file name is kept whole, in a std::string)
        if (h.line.size() >= 255 && !ended && !(isNumberArrayField(h.name) && numbers))
            throw IoError(path, "its header line \"" + shown(h.line, 40) + "\" is " + std::to_string(h.line.size()) +
                                    " characters long: MetaIO takes names and texts of up to 254");
        if (h.name != "NDims") return;
        const bool digits = !h.value.empty() && h.value.size() <= 2 &&
                            std::all_of(h.value.begin(), h.value.end(), [](unsigned char c) { return std::isdigit(c); });
        if (!digits || std::stoi(h.value) < 1 || std::stoi(h.value) > 10)
            throw IoError(path, "its NDims \"" + shown(h.value, 40) + "\" is not a dimension count from 1 to 10");
    });
    if (end == std::string::npos && head.size() == (1u << 20))
        throw IoError(path, "no ElementDataFile line in its first MB: not a MetaImage header (they are a few lines)");
    return end;
}

}  // namespace

HeaderText checkHeaderText(const std::string& path) {
    HeaderText h{headOf(path)};
    requireHeaderLine(path, h.head);
    h.end = checkHeaderLines(path, h.head);
    return h;
}

std::string headerProblem(const HeaderText& header) {
    std::map<std::string, std::string> fields, byLowerCase;  // the first line of each name
    forEachHeaderLine(header.head, [&](const HeaderLine& h) {
        fields.emplace(h.name, h.value);
        byLowerCase.emplace(lowerCase(h.name), h.name);
    });
    for (const std::string required : {"NDims", "DimSize", "ElementType", "ElementDataFile"}) {
        if (fields.count(required)) continue;
        if (const auto other = byLowerCase.find(lowerCase(required)); other != byLowerCase.end())
            return "its field \"" + shown(other->second, 40) + "\" is spelt " + required +
                   " in a MetaImage header (MetaIO tells names by case)";
        return "it has no " + required + " line";
    }
    const int dims = std::atoi(fields["NDims"].c_str());  // 1 to 10 (checkHeaderLines)
    std::istringstream in(fields["DimSize"]);
    int sizes = 0;
    for (std::string w; in >> w; ++sizes)
        if (w.find_first_not_of("0123456789") != std::string::npos)
            return "its DimSize \"" + shown(fields["DimSize"], 60) + "\" is not " + std::to_string(dims) +
                   " whole numbers (NDims " + std::to_string(dims) + ")";
    if (sizes < dims)
        return "its DimSize \"" + shown(fields["DimSize"], 60) + "\" has " + std::to_string(sizes) + " size" +
               (sizes == 1 ? "" : "s") + ", its NDims " + std::to_string(dims);
    const std::string& type = fields["ElementType"];
    bool known = false;
    for (size_t t = 1; t + 1 < MET_NUM_VALUE_TYPES; ++t) known = known || type == MET_ValueTypeName[t];
    if (!known)
        return "its ElementType \"" + shown(type, 40) + "\" is not a MetaImage element type (MET_UCHAR, MET_SHORT, "
               "MET_USHORT, MET_INT, MET_FLOAT, MET_DOUBLE, ...)";
    return {};
}

std::string shown(const std::string& text, size_t n) {
    std::string out = text.substr(0, n);
    for (char& c : out)
        if (!std::isprint(static_cast<unsigned char>(c))) c = '?';
    return text.size() > n ? out + "..." : out;
}

bool isLocal(const std::string& name) { return name == "LOCAL" || name == "Local" || name == "local"; }

std::string dataOf(const MetaImage& mi) {
    const std::string name = mi.ElementDataFileName();
    std::string where;
    if (isLocal(name)) where = "data in the header file";
    else if (name.rfind("LIST", 0) == 0) where = "data in a list of files";
    else if (name.find('%') != std::string::npos) where = "data in numbered files (" + shown(name, 200) + ")";
    else where = "data file " + shown(name, 200);
    return mi.CompressedData() ? where + ", zlib-compressed" : where;
}

bool oneDataFile(const MetaImage& mi) {
    const std::string name = mi.ElementDataFileName();
    return isLocal(name) || (name.rfind("LIST", 0) != 0 && name.find('%') == std::string::npos && !name.empty());
}

// A LIST of data files ("LIST", or "LIST 2D": each file a 2-D slab) or a numbered-file pattern
// ("slice%03d.raw first last [step]", one file per slice of the last axis), read by MetaIO's rules, which its
// code showed fragile (and fuzzing crashed): it indexed its arrays by a LIST's dimension (a negative one crashed
// it), divided by the step it derives and looped by it (a step of 0 crashed it or never ended), filled fewer
// slices than the image has without a word where the pattern names fewer, and handed the pattern to printf as
// its format. This reader writes the names itself (numberedName), from these checked parts.
FileSeries fileSeriesOf(const std::string& path, const MetaImage& mi) {
    const std::string name = mi.ElementDataFileName();
    std::istringstream in(name);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    const int dims = mi.NDims(), slices = mi.DimSize(dims - 1);
    const auto refuse = [&path, &name](const std::string& why) {
        throw IoError(path, "its ElementDataFile \"" + shown(name, 80) + "\" is not " + why);
    };
    FileSeries series;
    if (name.rfind("LIST", 0) == 0) {
        if (words.empty() || words[0] != "LIST" || words.size() > 2) refuse("\"LIST\" or \"LIST <n>D\"");
        series.list = true;
        series.slabDims = dims - 1;
        if (words.size() == 2) {
            const std::string& d = words[1];
            const bool ok = d.size() <= 3 && std::isdigit(static_cast<unsigned char>(d[0])) &&
                            d.find_first_not_of("0123456789") >= d.size() - 1 &&
                            (std::isdigit(static_cast<unsigned char>(d.back())) || d.back() == 'D' || d.back() == 'd');
            if (!ok || std::atoi(d.c_str()) < 1 || std::atoi(d.c_str()) > dims)
                refuse("a LIST of files of 1 to " + std::to_string(dims) + " dimensions (\"LIST 2D\")");
            series.slabDims = std::atoi(d.c_str());
        }
        return series;
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
    series.pattern = words[0];
    series.first = first;
    series.step = step;
    return series;
}

}  // namespace msf::io::metaimage
