#pragma once
// The checks a file reader starts with (raster, NRRD, MetaImage).
#include <string>

namespace msf::io {

// The file exists, is not a folder and is not empty; else IoError naming it ("is a folder, not `what`").
void requireNonEmptyFile(const std::string& path, const std::string& what);

}  // namespace msf::io
