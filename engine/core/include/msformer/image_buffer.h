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
// The label resizeNearest(in, width, height) has at (x, y), without resizing.
int32_t labelAtResized(const LabelMap& in, int width, int height, int x, int y);

// Distinct labels whose area is at least minArea pixels.
int countLabelsAtLeast(const LabelMap& in, int minArea);

// Connected regions (4-connected) smaller than minArea pixels take the label of
// the nearest larger region (breadth-first from the regions that stay), then
// labels are renumbered by size. A map with no region >= minArea is returned as is.
LabelMap mergeSmallRegions(const LabelMap& in, int minArea);

// Labels that touch (4-neighbours) and whose mean colours differ by less than
// `tolerance` (RMS over channels, image units) become one label: a flat region
// split between two labels of the same colour is one region again.
LabelMap mergeSimilarNeighbours(const LabelMap& labels, const ImageBuffer& image, double tolerance);

// Snaps region boundaries to the image: in each pass every pixel on a boundary
// (more than one label in its 3 x 3 neighbourhood) takes, among those labels,
// the one whose mean colour (over the whole image) is nearest to its own.
// Repeats until nothing changes or `maxPasses`, so a boundary moves at most
// maxPasses pixels and a small region whose colour fits its surroundings
// better is absorbed. `image` has the map's size.
LabelMap refineBoundaries(const LabelMap& labels, const ImageBuffer& image, int maxPasses);

}  // namespace msf
