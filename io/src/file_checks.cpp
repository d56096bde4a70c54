#include "file_checks.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "msformer/io/io_error.h"

namespace msf::io {

namespace fs = std::filesystem;

void requireNonEmptyFile(const std::string& path, const std::string& what) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw IoError(path, "file not found");
    if (fs::is_directory(path, ec)) throw IoError(path, "is a folder, not " + what);
    if (fs::file_size(path, ec) == 0) throw IoError(path, "file is empty (0 bytes)");
}

std::string lowerCase(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool hasSuffix(const std::string& path, const std::string& suffix) {
    if (path.size() < suffix.size()) return false;
    const size_t start = path.size() - suffix.size();
    for (size_t i = 0; i < suffix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(path[start + i])) != suffix[i]) return false;
    return true;
}

}  // namespace msf::io
