#pragma once
// Stopping a load its caller no longer wants (another file opened, the window closed): asked between the
// files a load reads, so a 600-slice series stops within one slice instead of reading the rest.
#include <cstddef>
#include <functional>
#include <string>

#include "msformer/io/io_error.h"

namespace msf::io {

// True once the load should stop; an empty one never stops it.
using CancelCheck = std::function<bool()>;

// Thrown by a load that was asked to stop: nothing is wrong with the file.
class LoadCancelled : public IoError {
public:
    explicit LoadCancelled(const std::string& path) : IoError(path, "loading cancelled") {}
};

// Told how far a long load has come: `done` of `total` (a series' slices read).
using LoadProgress = std::function<void(size_t done, size_t total)>;

inline void stopIfCancelled(const CancelCheck& cancelled, const std::string& path) {
    if (cancelled && cancelled()) throw LoadCancelled(path);
}

}  // namespace msf::io
