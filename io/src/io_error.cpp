#include "msformer/io/io_error.h"

namespace msf::io {

IoError::IoError(const std::string& path, const std::string& problem)
    : std::runtime_error(path + ": " + problem), path_(path), problem_(problem) {}

}  // namespace msf::io
