#pragma once
#include <string>
#include <vector>

namespace msf::io {

// Writes bytes to `path` through a temporary file in the same folder and a
// rename, so a failure never leaves a half-written file. Refuses to replace an
// existing file unless `overwrite`. Throws IoError.
void writeFileAtomic(const std::string& path, const std::vector<unsigned char>& bytes, bool overwrite);

// Moves a finished temporary file (same folder) to `path`; without overwrite
// an existing `path` is an error. The temporary file is removed either way.
void moveIntoPlace(const std::string& tmp, const std::string& path, bool overwrite);

// A name for a writer's temporary file beside `path` (same folder, hidden, this process's id), ending in
// `suffix` where the writing library picks its format by the name (".nii.gz").
std::string temporaryPathBeside(const std::string& path, const std::string& suffix);

// Throws IoError if `path` exists and !overwrite (check before long work).
void checkWritable(const std::string& path, bool overwrite);

}  // namespace msf::io
