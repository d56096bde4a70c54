#pragma once
// The checks a file reader or writer starts with (raster, NIfTI, NRRD, MetaImage, PNG).
#include <string>

namespace msf::io {

// The file exists, is not a folder and is not empty; else IoError naming it ("is a folder, not `what`").
void requireNonEmptyFile(const std::string& path, const std::string& what);

// `path` ends in `suffix` (given in lower case) in any case: "T1.NII.GZ" and "t1.nii.gz" are both ".nii.gz",
// as Windows tools and older scanners' exports write them.
bool hasSuffix(const std::string& path, const std::string& suffix);

// `s` with its ASCII letters in lower case: names and extensions compared in any case.
std::string lowerCase(std::string s);

}  // namespace msf::io
