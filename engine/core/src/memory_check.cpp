#include "msformer/memory_check.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace msf {

namespace {
// A number read from a file holding one ("max" or nothing: -1).
int64_t numberIn(const std::string& path) {
    std::ifstream in(path);
    long long v = -1;
    if (!(in >> v)) return -1;
    return v;
}

// The cgroup's limit less its usage, -1 without a limit.
int64_t cgroupHeadroom() {
    std::ifstream groups("/proc/self/cgroup");
    std::string line;
    while (std::getline(groups, line)) {
        // "0::/path" (v2) or "4:memory:/path" (v1)
        const auto first = line.find(':'), second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        const std::string controllers = line.substr(first + 1, second - first - 1), path = line.substr(second + 1);
        int64_t limit = -1, used = -1;
        if (controllers.empty()) {
            limit = numberIn("/sys/fs/cgroup" + path + "/memory.max");
            used = numberIn("/sys/fs/cgroup" + path + "/memory.current");
        } else if (controllers == "memory") {
            limit = numberIn("/sys/fs/cgroup/memory" + path + "/memory.limit_in_bytes");
            used = numberIn("/sys/fs/cgroup/memory" + path + "/memory.usage_in_bytes");
        }
        // v1 reports "no limit" as a huge page-aligned number.
        if (limit > 0 && limit < (int64_t{1} << 60) && used >= 0) return std::max<int64_t>(0, limit - used);
    }
    return -1;
}

std::string gigabytes(int64_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f GB", bytes / 1e9);
    return text;
}
}  // namespace

int64_t availableMemoryBytes() {
    std::ifstream info("/proc/meminfo");
    std::string key;
    long long kb = 0;
    int64_t available = -1;
    while (info >> key >> kb) {
        if (key == "MemAvailable:") {
            available = static_cast<int64_t>(kb) * 1024;
            break;
        }
        info.ignore(1 << 10, '\n');
    }
    if (available < 0) return -1;
    const int64_t headroom = cgroupHeadroom();
    return headroom >= 0 ? std::min(available, headroom) : available;
}

int64_t estimatedRunBytes(const MsFormerConfig& c, int width, int height) {
    // Peak RSS above the process's start, 2 iterations, this machine (run_memory.log):
    // per working pixel about 200 B per feature channel plus 1.05 B per channel squared
    // (D = 100: 30.2 KB at S = 257 and 513, float32; D = 50: 12.5 KB; D = 200: 69 KB),
    // 0.6 of that when the blocks recompute their activations (faithful: 17.6 KB);
    // bfloat16 needs 10-15% less and is not counted. Plus about 40 B per image pixel
    // (the full-size map and its refinement: 1.0 GB on a 24-megapixel photo), and
    // the libraries' first-use buffers.
    const double d = c.embedDim;
    double perWorkingPixel = 203 * d + 1.06 * d * d;
    if (c.recomputeActivations) perWorkingPixel *= 0.6;
    const double s = c.size;
    return static_cast<int64_t>(perWorkingPixel * s * s + 40.0 * width * height + 0.3e9);
}

std::string memoryProblem(const MsFormerConfig& c, int width, int height, int64_t availableBytes) {
    const int64_t needed = estimatedRunBytes(c, width, height);
    if (availableBytes < 0 || needed <= availableBytes) return {};
    std::ostringstream s;
    // What no working size changes: the full-size map and its refinement (and
    // the libraries' buffers). Where that alone does not fit, a smaller S cannot help.
    auto smallest = c;
    smallest.size = 0;
    const int64_t fullSize = estimatedRunBytes(smallest, width, height), base = estimatedRunBytes(smallest, 0, 0);
    if (fullSize > availableBytes && fullSize - base > base) {
        s << "the " << width << " x " << height << " image needs about " << gigabytes(fullSize)
          << " of memory for its full-size label map alone and " << gigabytes(availableBytes)
          << " is available: downscale or crop the image (the memory grows with its pixel count, about 40 B each)";
        return s.str();
    }
    // The largest working size that fits (the estimate grows with S).
    auto smaller = c;
    for (smaller.size = c.size - 1; smaller.size >= 16; --smaller.size)
        if (estimatedRunBytes(smaller, width, height) <= availableBytes) break;
    s << "working size S = " << c.size << " needs about " << gigabytes(needed) << " of memory and "
      << gigabytes(availableBytes) << " is available: ";
    if (smaller.size >= 16)
        s << "choose a smaller working size (the memory grows with S x S; S = " << smaller.size << " fits, about "
          << gigabytes(estimatedRunBytes(smaller, width, height)) << ")";
    else
        s << "even S = 16 does not fit; free memory (close other programs) and run again";
    return s.str();
}

namespace {
// Per pixel: the label map at full size and its renumbered copy (8 B), the finiteness mask (1 B a channel),
// and for colour the planar copy of the interleaved input and the resampler's own (8 B a channel).
int kmeansBytesPerPixel(int channels) { return 8 + channels + (channels > 1 ? 8 * channels : 0); }
}  // namespace

int64_t estimatedKMeansBytes(int width, int height, int channels) {
    return static_cast<int64_t>(double(kmeansBytesPerPixel(channels)) * width * height + 0.1e9);
}

std::string kmeansMemoryProblem(int width, int height, int channels, int64_t availableBytes) {
    const int64_t needed = estimatedKMeansBytes(width, height, channels);
    if (availableBytes < 0 || needed <= availableBytes) return {};
    std::ostringstream s;
    s << "k-means on the " << width << " x " << height << " image needs about " << gigabytes(needed)
      << " of memory and " << gigabytes(availableBytes)
      << " is available: downscale or crop the image (the memory grows with its pixel count, about "
      << kmeansBytesPerPixel(channels) << " B each), or free memory";
    return s.str();
}

}  // namespace msf
