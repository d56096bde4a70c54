#include "msformer/image_buffer.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <numeric>
#include <unordered_map>

namespace msf {

namespace {
// (label, pixel count) of every label present, ascending by label. Labels are
// cluster ids (below a few hundred): counted in a vector, not a hash map,
// since a 24-megapixel map is counted and renumbered at the end of every run.
std::vector<std::pair<int32_t, int64_t>> histogram(const LabelMap& in) {
    int32_t maxLabel = -1;
    for (int32_t v : in.labels) maxLabel = std::max(maxLabel, v);
    std::vector<std::pair<int32_t, int64_t>> present;
    if (maxLabel < (1 << 20)) {
        std::vector<int64_t> counts(static_cast<size_t>(maxLabel + 1), 0);
        for (int32_t v : in.labels)
            if (v >= 0) ++counts[v];
        for (int32_t l = 0; l <= maxLabel; ++l)
            if (counts[l]) present.emplace_back(l, counts[l]);
    } else {
        std::unordered_map<int32_t, int64_t> counts;
        for (int32_t v : in.labels)
            if (v >= 0) ++counts[v];
        present.assign(counts.begin(), counts.end());
        std::sort(present.begin(), present.end());
    }
    return present;
}
}  // namespace

int LabelMap::count() const { return static_cast<int>(histogram(*this).size()); }

LabelMap renumberBySize(const LabelMap& in) {
    auto order = histogram(in);  // ascending by label
    const int32_t maxLabel = order.empty() ? -1 : order.back().first;
    // Largest first; equal sizes keep the smaller label first.
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    LabelMap out{in.width, in.height, in.labels};
    bool unchanged = true;
    for (size_t i = 0; i < order.size(); ++i) unchanged = unchanged && order[i].first == static_cast<int32_t>(i);
    if (unchanged) return out;
    if (maxLabel < (1 << 20)) {
        std::vector<int32_t> remap(static_cast<size_t>(maxLabel + 1), -1);
        for (size_t i = 0; i < order.size(); ++i) remap[order[i].first] = static_cast<int32_t>(i);
        for (int32_t& v : out.labels)
            if (v >= 0) v = remap[v];
    } else {
        std::unordered_map<int32_t, int32_t> remap;
        for (size_t i = 0; i < order.size(); ++i) remap[order[i].first] = static_cast<int32_t>(i);
        for (int32_t& v : out.labels)
            if (v >= 0) v = remap[v];
    }
    return out;
}

namespace {
// The source pixel of output pixel i when `from` pixels are resized to `to` (pixel centres).
int nearestSource(int i, int from, int to) { return std::min(from - 1, static_cast<int>((i + 0.5) * from / to)); }
}  // namespace

LabelMap resizeNearest(const LabelMap& in, int width, int height) {
    LabelMap out{width, height, std::vector<int32_t>(static_cast<size_t>(width) * height)};
    if (in.empty() || width <= 0 || height <= 0) return out;
    std::vector<int> srcX(width);
    for (int x = 0; x < width; ++x) srcX[x] = nearestSource(x, in.width, width);
    for (int y = 0; y < height; ++y) {
        const int sy = nearestSource(y, in.height, height);
        const int32_t* src = in.labels.data() + static_cast<size_t>(sy) * in.width;
        int32_t* dst = out.labels.data() + static_cast<size_t>(y) * width;
        for (int x = 0; x < width; ++x) dst[x] = src[srcX[x]];
    }
    return out;
}

int32_t labelAtResized(const LabelMap& in, int width, int height, int x, int y) {
    return in.at(nearestSource(x, in.width, width), nearestSource(y, in.height, height));
}

int countLabelsAtLeast(const LabelMap& in, int minArea) {
    int n = 0;
    for (const auto& kv : histogram(in)) {
        if (kv.second >= minArea) ++n;
    }
    return n;
}

LabelMap mergeSmallRegions(const LabelMap& in, int minArea) {
    if (in.empty() || minArea <= 1) return in;
    const int w = in.width, h = in.height;
    const size_t n = static_cast<size_t>(w) * h;
    std::vector<int32_t> region(n, -1);
    std::vector<char> keep(n, 0);
    std::vector<size_t> members;
    std::deque<size_t> queue;
    bool anyKept = false;
    for (size_t start = 0; start < n; ++start) {
        if (region[start] >= 0) continue;
        members.clear();
        region[start] = 1;
        queue.push_back(start);
        while (!queue.empty()) {  // flood one 4-connected region of equal labels
            const size_t p = queue.front();
            queue.pop_front();
            members.push_back(p);
            const int x = static_cast<int>(p % w), y = static_cast<int>(p / w);
            const size_t next[4] = {p - 1, p + 1, p - w, p + w};
            const bool ok[4] = {x > 0, x + 1 < w, y > 0, y + 1 < h};
            for (int k = 0; k < 4; ++k)
                if (ok[k] && region[next[k]] < 0 && in.labels[next[k]] == in.labels[p]) {
                    region[next[k]] = 1;
                    queue.push_back(next[k]);
                }
        }
        const bool big = static_cast<int>(members.size()) >= minArea;
        anyKept = anyKept || big;
        for (size_t p : members) keep[p] = big;
    }
    if (!anyKept) return in;
    LabelMap out{w, h, in.labels};
    for (size_t p = 0; p < n; ++p)
        if (keep[p]) queue.push_back(p);
    while (!queue.empty()) {  // grow the kept regions into the small ones
        const size_t p = queue.front();
        queue.pop_front();
        const int x = static_cast<int>(p % w), y = static_cast<int>(p / w);
        const size_t next[4] = {p - 1, p + 1, p - w, p + w};
        const bool ok[4] = {x > 0, x + 1 < w, y > 0, y + 1 < h};
        for (int k = 0; k < 4; ++k)
            if (ok[k] && !keep[next[k]]) {
                keep[next[k]] = 1;
                out.labels[next[k]] = out.labels[p];
                queue.push_back(next[k]);
            }
    }
    return renumberBySize(out);
}

LabelMap mergeSimilarNeighbours(const LabelMap& labels, const ImageBuffer& image, double tolerance) {
    if (labels.empty() || image.width != labels.width || image.height != labels.height) return labels;
    const int w = labels.width, h = labels.height, c = image.channels;
    int32_t maxLabel = 0;
    for (int32_t v : labels.labels) maxLabel = std::max(maxLabel, v);
    const size_t n = static_cast<size_t>(maxLabel) + 1;
    std::vector<double> means(n * c, 0.0);
    std::vector<int64_t> counts(n, 0);
    std::vector<char> adjacent(n * n, 0);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const size_t p = static_cast<size_t>(y) * w + x;
            const int32_t l = labels.labels[p];
            if (l < 0) continue;
            ++counts[l];
            for (int k = 0; k < c; ++k) means[l * c + k] += image.data[p * c + k];
            const int32_t right = x + 1 < w ? labels.labels[p + 1] : -1;
            const int32_t down = y + 1 < h ? labels.labels[p + w] : -1;
            for (int32_t o : {right, down})
                if (o >= 0 && o != l) adjacent[l * n + o] = adjacent[o * n + l] = 1;
        }
    for (size_t l = 0; l < n; ++l)
        for (int k = 0; k < c; ++k)
            if (counts[l]) means[l * c + k] /= counts[l];
    std::vector<int32_t> parent(n);
    std::iota(parent.begin(), parent.end(), 0);
    auto find = [&](int32_t a) {
        while (parent[a] != a) a = parent[a] = parent[parent[a]];
        return a;
    };
    for (size_t a = 0; a < n; ++a)
        for (size_t b = a + 1; b < n; ++b) {
            if (!adjacent[a * n + b] || !counts[a] || !counts[b]) continue;
            double d = 0;
            for (int k = 0; k < c; ++k) d += (means[a * c + k] - means[b * c + k]) * (means[a * c + k] - means[b * c + k]);
            if (std::sqrt(d / c) < tolerance) parent[find(static_cast<int32_t>(b))] = find(static_cast<int32_t>(a));
        }
    LabelMap out = labels;
    for (int32_t& v : out.labels)
        if (v >= 0) v = find(v);
    return renumberBySize(out);
}

LabelMap refineBoundaries(const LabelMap& labels, const ImageBuffer& image, int maxPasses) {
    if (labels.empty() || image.width != labels.width || image.height != labels.height || maxPasses < 1)
        return labels;
    const int w = labels.width, h = labels.height, c = image.channels;
    LabelMap current = labels;
    int32_t maxLabel = 0;
    for (int32_t v : current.labels) maxLabel = std::max(maxLabel, v);
    // Per-label colour sums, kept up to date as pixels change label.
    std::vector<double> sums(static_cast<size_t>(maxLabel + 1) * c, 0.0);
    std::vector<int64_t> counts(maxLabel + 1, 0);
    auto account = [&](size_t p, int32_t l, int sign) {
        counts[l] += sign;
        for (int k = 0; k < c; ++k) sums[static_cast<size_t>(l) * c + k] += sign * static_cast<double>(image.data[p * c + k]);
    };
    for (size_t p = 0; p < current.labels.size(); ++p)
        if (current.labels[p] >= 0) account(p, current.labels[p], +1);

    // Only pixels on a boundary are decided, and a pixel's neighbourhood changes
    // only where a neighbour changed: the pass visits the boundary, not the
    // image (a 24-megapixel photo needs hundreds of passes).
    std::vector<int32_t> candidates;
    auto gatherCandidates = [&](int x, int y) {
        candidates.clear();
        for (int yy = std::max(0, y - 1); yy <= std::min(h - 1, y + 1); ++yy)
            for (int xx = std::max(0, x - 1); xx <= std::min(w - 1, x + 1); ++xx) {
                const int32_t l = current.labels[static_cast<size_t>(yy) * w + xx];
                if (l >= 0 && std::find(candidates.begin(), candidates.end(), l) == candidates.end())
                    candidates.push_back(l);
            }
    };
    auto onBoundary = [&](int x, int y) {  // more than one label around (x, y); cheaper than gathering them
        int32_t first = -1;
        for (int yy = std::max(0, y - 1); yy <= std::min(h - 1, y + 1); ++yy) {
            const int32_t* row = current.labels.data() + static_cast<size_t>(yy) * w;
            for (int xx = std::max(0, x - 1); xx <= std::min(w - 1, x + 1); ++xx) {
                if (row[xx] < 0) continue;
                if (first < 0) first = row[xx];
                else if (row[xx] != first) return true;
            }
        }
        return false;
    };
    std::vector<char> listed(current.labels.size(), 0);
    std::vector<size_t> boundary;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            if (onBoundary(x, y)) {
                const size_t p = static_cast<size_t>(y) * w + x;
                boundary.push_back(p);
                listed[p] = 1;
            }

    std::vector<double> means(sums.size());
    std::vector<std::pair<size_t, int32_t>> changes;
    std::vector<size_t> touched;
    for (int pass = 0; pass < maxPasses && !boundary.empty(); ++pass) {
        for (int32_t l = 0; l <= maxLabel; ++l)
            for (int k = 0; k < c; ++k)
                if (counts[l]) means[static_cast<size_t>(l) * c + k] = sums[static_cast<size_t>(l) * c + k] / counts[l];
        changes.clear();
        for (size_t p : boundary) {
            gatherCandidates(static_cast<int>(p % w), static_cast<int>(p / w));
            if (candidates.size() < 2) continue;
            auto distance = [&](int32_t l) {
                double d = 0;
                for (int k = 0; k < c; ++k) {
                    const double diff = image.data[p * c + k] - means[static_cast<size_t>(l) * c + k];
                    d += diff * diff;
                }
                return d;
            };
            // Keep the current label unless another fits strictly better (no drift on ties).
            int32_t bestLabel = current.labels[p];
            double best = distance(bestLabel) - 1e-9;
            for (int32_t l : candidates) {
                const double d = distance(l);
                if (d < best) best = d, bestLabel = l;
            }
            if (bestLabel != current.labels[p]) changes.emplace_back(p, bestLabel);
        }
        if (changes.empty()) break;
        // Every pixel decided from the same map, then the changes applied together.
        touched.clear();
        for (const auto& [p, l] : changes) {
            account(p, current.labels[p], -1);
            account(p, l, +1);
            current.labels[p] = l;
            const int x = static_cast<int>(p % w), y = static_cast<int>(p / w);
            for (int yy = std::max(0, y - 1); yy <= std::min(h - 1, y + 1); ++yy)
                for (int xx = std::max(0, x - 1); xx <= std::min(w - 1, x + 1); ++xx)
                    touched.push_back(static_cast<size_t>(yy) * w + xx);
        }
        for (size_t q : touched)
            if (!listed[q]) listed[q] = 1, boundary.push_back(q);
        // Drop what is no longer on a boundary (it is listed again once a neighbour changes).
        boundary.erase(std::remove_if(boundary.begin(), boundary.end(),
                                      [&](size_t q) {
                                          if (onBoundary(static_cast<int>(q % w), static_cast<int>(q / w))) return false;
                                          listed[q] = 0;
                                          return true;
                                      }),
                       boundary.end());
    }
    return renumberBySize(current);
}

}  // namespace msf
