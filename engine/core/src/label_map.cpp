#include "msformer/image_buffer.h"

#include <algorithm>
#include <numeric>
#include <unordered_map>

namespace msf {

namespace {
std::unordered_map<int32_t, int64_t> histogram(const LabelMap& in) {
    std::unordered_map<int32_t, int64_t> counts;
    for (int32_t v : in.labels) {
        if (v >= 0) ++counts[v];
    }
    return counts;
}
}  // namespace

int LabelMap::count() const { return static_cast<int>(histogram(*this).size()); }

LabelMap renumberBySize(const LabelMap& in) {
    const auto counts = histogram(in);
    std::vector<std::pair<int32_t, int64_t>> order(counts.begin(), counts.end());
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::unordered_map<int32_t, int32_t> remap;
    for (size_t i = 0; i < order.size(); ++i) remap[order[i].first] = static_cast<int32_t>(i);
    LabelMap out{in.width, in.height, in.labels};
    for (int32_t& v : out.labels) {
        if (v >= 0) v = remap[v];
    }
    return out;
}

LabelMap resizeNearest(const LabelMap& in, int width, int height) {
    LabelMap out{width, height, std::vector<int32_t>(static_cast<size_t>(width) * height)};
    if (in.empty() || width <= 0 || height <= 0) return out;
    std::vector<int> srcX(width);
    for (int x = 0; x < width; ++x) {
        srcX[x] = std::min(in.width - 1, static_cast<int>((x + 0.5) * in.width / width));
    }
    for (int y = 0; y < height; ++y) {
        const int sy = std::min(in.height - 1, static_cast<int>((y + 0.5) * in.height / height));
        const int32_t* src = in.labels.data() + static_cast<size_t>(sy) * in.width;
        int32_t* dst = out.labels.data() + static_cast<size_t>(y) * width;
        for (int x = 0; x < width; ++x) dst[x] = src[srcX[x]];
    }
    return out;
}

int countLabelsAtLeast(const LabelMap& in, int minArea) {
    int n = 0;
    for (const auto& kv : histogram(in)) {
        if (kv.second >= minArea) ++n;
    }
    return n;
}

}  // namespace msf
