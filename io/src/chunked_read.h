#pragma once
// Image data read in chunks, so that a load no longer wanted stops within one (a 500 MB volume's read took
// seconds that quitting or the next open waited for): raw MetaImage and NRRD data, NIfTI voxels.
#include <cstddef>
#include <functional>
#include <string>

#include "msformer/io/load_cancel.h"

namespace msf::io {

// `bytes` bytes into `out`, 16 MB at a time through `read` (to, n: how many it read), asking `cancelled` before
// each (LoadCancelled naming `path`) and telling `after` how many are in after each. Returns how many were
// read: fewer than `bytes` where a read came up short (the data ended first).
size_t readInChunks(const std::string& path, unsigned char* out, size_t bytes, const CancelCheck& cancelled,
                    const std::function<size_t(unsigned char* to, size_t n)>& read,
                    const std::function<void(size_t done)>& after = {});

}  // namespace msf::io
