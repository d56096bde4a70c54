#pragma once
// Compressed image data (a gzip NRRD's, a zlib MetaImage's) inflated with zlib, a truncated or corrupt stream
// refused: zlib itself would hand back what it got, or a "gzip" stream of plain bytes as those bytes.
#include <cstddef>
#include <cstdio>
#include <string>

#include "msformer/io/load_cancel.h"

namespace msf::io {

enum class Compression { Gzip, Zlib };  // Zlib: a zlib stream, or gzip, as MetaIO takes either

// `bytes` bytes of the stream read from `file` (at its current position) into `out`; IoError naming `path`
// where the stream is not of that kind (`claim`: what says it is, "its header says gzip encoding"), corrupt,
// or ends before `bytes` (several gzip members are read on). `cancelled` is asked before each 64 kB read.
void inflateData(const std::string& path, std::FILE* file, void* out, size_t bytes, Compression kind,
                 const std::string& claim, const CancelCheck& cancelled = {});

}  // namespace msf::io
