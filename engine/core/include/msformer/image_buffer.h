#pragma once
// Plain image and label-map types shared by the engine, io and ui.
// No LibTorch, no OpenCV: any caller can fill them.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace msf {

// Interleaved H x W x C floats (C = 1 or 3), normally in [0, 1].
struct ImageBuffer {
    int width = 0;
    int height = 0;
    int channels = 0;
    std::vector<float> data;

    bool empty() const { return width <= 0 || height <= 0 || channels <= 0; }
    float at(int x, int y, int c) const { return data[(static_cast<size_t>(y) * width + x) * channels + c]; }
};

// Row-major W x H cluster labels, 0..count-1 (or -1 where undefined).
struct LabelMap {
    int width = 0;
    int height = 0;
    std::vector<int32_t> labels;

    bool empty() const { return width <= 0 || height <= 0; }
    int32_t at(int x, int y) const { return labels[static_cast<size_t>(y) * width + x]; }
    int count() const;  // number of distinct labels present
};

// Renumber labels 0..n-1 by decreasing pixel count (ties: lower old id first).
LabelMap renumberBySize(const LabelMap& in);

// Nearest-neighbour resize (pixel centres), e.g. S x S working map -> original size.
LabelMap resizeNearest(const LabelMap& in, int width, int height);

// Distinct labels whose area is at least minArea pixels.
int countLabelsAtLeast(const LabelMap& in, int minArea);

}  // namespace msf
