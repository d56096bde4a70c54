#pragma once
// MS-Former on one image: the per-image optimisation loop.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "msformer/config.h"
#include "msformer/image_buffer.h"

namespace msf {

// Thread-safe cancel request, checked once per iteration. A cancelled run still makes its map (a result to
// step back through); an abandoned one, whose caller wants nothing of it (the window closing), returns
// without one, its maps empty: on a 24 MP photo that map took seconds that the window's end waited for.
// An abandon is for good: reset() clears a cancel only, so a run queued after it stops at once too.
class CancelFlag {
public:
    void cancel() { flag_.store(true, std::memory_order_relaxed); }
    void abandon() { abandoned_.store(true, std::memory_order_relaxed); }
    void reset() { flag_.store(false, std::memory_order_relaxed); }
    bool cancelled() const { return flag_.load(std::memory_order_relaxed) || abandoned(); }
    bool abandoned() const { return abandoned_.load(std::memory_order_relaxed); }
private:
    std::atomic<bool> flag_{false}, abandoned_{false};
};

// Raised for invalid configuration, bad input and numerical failure.
class SegmentationError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct IterationStats {
    int iteration = 0;        // 1-based
    double lossCe = 0;
    double lossInter = 0;
    double lossIntra = 0;
    double lossTotal = 0;
    int labelCount = 0;       // distinct pseudo-labels of this iteration
    double changedFraction = 1;  // pixels whose pseudo-label differs from the previous iteration's
    // Forward + backward + step, and reading the map. On CUDA, where iteration
    // i + 1 runs while the host reads iteration i, the time between the two
    // iterations' results (the device's time per iteration).
    double milliseconds = 0;
};

struct SegmentationResult {
    LabelMap working;              // S x S, renumbered by size
    LabelMap original;             // input size, renumbered by size: labels 0..clusterCount-1
    int clusterCount = 0;          // labels in `original` (resizing can drop one of `working`'s)
    std::vector<IterationStats> history;
    // Each iteration's working map as the observer was given it (history[i]'s map), when the segmenter
    // was asked to keep them (setKeepIterationMaps): a map that an earlier iteration had, e.g. before two
    // structures merged, can be taken up again (finishWorkingMap gives it at the input's size). The first
    // iterations' only, where keeping all of them would pass the byte limit given (fewer than history).
    std::vector<LabelMap> iterationMaps;
    bool stoppedEarly = false;     // reached minLabels, or the map settled (stableIterations)
    bool cancelled = false;
    std::string device;            // "cpu" or "cuda"
    Precision precision = Precision::Float32;  // the one used (Auto resolved for the device)
    bool cudaGraph = false;        // iterations after the first two were replayed from a CUDA graph
    std::string cudaGraphProblem;  // why recording one failed, if it did (the run then stayed eager)
    double totalMilliseconds = 0;  // preprocessing to final map
    // parameterMap() of the configuration that produced this result, with
    // "device" and "precision" as used (auto resolved): for provenance.
    std::map<std::string, std::string> parameters;
};

// Called after every iteration with its statistics and its label map
// (S x S, renumbered by size). Return false to stop (as a cancel).
using IterationObserver = std::function<bool(const IterationStats&, const LabelMap&)>;

class Segmenter {
public:
    explicit Segmenter(MsFormerConfig config);
    ~Segmenter();
    Segmenter(const Segmenter&) = delete;
    Segmenter& operator=(const Segmenter&) = delete;

    const MsFormerConfig& config() const { return config_; }
    void setObserver(IterationObserver observer) { observer_ = std::move(observer); }
    // Queue iteration i + 1 before reading iteration i's labels, as the CUDA
    // path always does, on the CPU too (where it only costs an iteration): for
    // the tests that check the order gives the same result.
    void setRunAhead(bool on) { runAhead_ = on; }
    // Keep every iteration's map in the result (SegmentationResult::iterationMaps): S x S labels per
    // iteration, 3.3 MB for 50 iterations at S = 129; at most `maxBytes` of them (the first iterations').
    void setKeepIterationMaps(bool on, std::size_t maxBytes = SIZE_MAX) {
        keepIterationMaps_ = on;
        iterationMapBytes_ = maxBytes;
    }

    // Throws SegmentationError on bad config/input, a non-finite loss, or (on
    // the CPU) a working size that needs more memory than is available
    // (memory_check.h), said before the run starts.
    SegmentationResult run(const ImageBuffer& image, const CancelFlag* cancel = nullptr);

private:
    SegmentationResult runChecked(const ImageBuffer& image, const CancelFlag* cancel);
    MsFormerConfig config_;
    IterationObserver observer_;
    bool runAhead_ = false;
    bool keepIterationMaps_ = false;
    std::size_t iterationMapBytes_ = SIZE_MAX;
};

// A working-size map (S x S, as the observer and SegmentationResult::working have it) at the input's size,
// through the post-steps the run's final map goes through (colour merging, boundary refinement, small
// regions merged, as `config` sets them), numbered 0..n-1 by size: what run() makes of its last map, for
// an earlier iteration's. `image`: the run's input.
LabelMap finishWorkingMap(const LabelMap& working, const ImageBuffer& image, const MsFormerConfig& config);

// k-means on the same resized input (seeded; runs on CPU or CUDA).
SegmentationResult runKMeans(const ImageBuffer& image, const KMeansConfig& config);

}  // namespace msf
