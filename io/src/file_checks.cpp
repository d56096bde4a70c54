#include "file_checks.h"

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

}  // namespace msf::io
