#include "chunked_read.h"

#include <algorithm>

namespace msf::io {

size_t readInChunks(const std::string& path, unsigned char* out, size_t bytes, const CancelCheck& cancelled,
                    const std::function<size_t(unsigned char* to, size_t n)>& read,
                    const std::function<void(size_t done)>& after) {
    constexpr size_t chunk = size_t(16) << 20;
    for (size_t at = 0; at < bytes; at += chunk) {
        stopIfCancelled(cancelled, path);
        const size_t n = std::min(chunk, bytes - at), got = read(out + at, n);
        if (got != n) return at + got;
        if (after) after(at + n);
    }
    return bytes;
}

}  // namespace msf::io
