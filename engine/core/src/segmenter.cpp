#include "msformer/segmenter.h"
#include "msformer/memory_check.h"

#include <ATen/ATen.h>
#include <torch/utils.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#include "gpu_formulations.h"
#include "iteration_graph.h"
#include "losses.h"
#include "model.h"
#include "momentum_sgd.h"
#include "msformer/runtime_info.h"
#include "precision_scope.h"
#include "preprocess.h"
#include "seeding.h"

namespace msf {

namespace {
using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double changedFraction(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
    size_t changed = 0;
    for (size_t i = 0; i < a.size(); ++i) changed += a[i] != b[i];
    return a.empty() ? 0.0 : static_cast<double>(changed) / a.size();
}
}  // namespace

Segmenter::Segmenter(MsFormerConfig config) : config_(std::move(config)) {}
Segmenter::~Segmenter() = default;

SegmentationResult Segmenter::run(const ImageBuffer& image, const CancelFlag* cancel) {
    if (const auto problem = config_.validate(); !problem.empty()) throw SegmentationError(problem);
    try {
        return runChecked(image, cancel);
    } catch (const std::bad_alloc&) {  // an estimate is not a guarantee: other processes take memory too
        throw SegmentationError("out of memory at working size S = " + std::to_string(config_.size) +
                                ": choose a smaller working size");
    }
}

SegmentationResult Segmenter::runChecked(const ImageBuffer& image, const CancelFlag* cancel) {
    const auto start = Clock::now();
    const DeviceChoice resolved = resolveDevice(config_.device);
    if (resolved == DeviceChoice::Cpu)
        if (const auto problem = memoryProblem(config_, image.width, image.height, availableMemoryBytes());
            !problem.empty())
            throw SegmentationError(problem);
    const auto device = detail::torchDevice(resolved);
    setThreadCount(config_.threads);
    tuneAllocatorForLargeTensors();
    struct ReleaseOnExit {
        ~ReleaseOnExit() { releaseFreedMemory(); }
    } release;

    auto input = detail::toWorkingTensor(image, config_.size, device);
    if (config_.standardizeInput) input = (input - input.mean()) / (input.std() + 1e-6);
    detail::MsFormerNet net{nullptr};
    {
        detail::SeedGuard seeded(config_.seed);
        net = detail::MsFormerNet(config_, image.channels);
    }
    net->to(device);
    net->train();
    detail::MomentumSgd optimizer(net->parameters(), config_.learningRate, config_.momentum);
    const Precision precision = resolvePrecision(config_.precision, resolved);
    const detail::PrecisionScope precisionScope(precision, device.type());

    const bool reference = config_.referenceImplementation;
    const int64_t side = config_.size;
    const int minLabelArea = static_cast<int>(config_.minLabelAreaFraction * side * side);
    const int mergeArea = static_cast<int>(config_.mergeRegionsBelowFraction * side * side);
    auto cleanUp = [mergeArea](LabelMap map) { return mergeArea > 1 ? mergeSmallRegions(map, mergeArea) : map; };
    SegmentationResult result;
    result.device = resolved == DeviceChoice::Cuda ? "cuda" : "cpu";
    result.precision = precision;
    result.parameters = parameterMap(config_);
    result.parameters["device"] = result.device;
    result.parameters["precision"] = precisionName(precision);
    const auto& w = config_.weights;
    const bool onCuda = resolved == DeviceChoice::Cuda;
    // Each iteration leaves its argmax map and losses in these device tensors
    // (fixed addresses, so a CUDA graph can write them too); the host reads
    // them once the iteration is complete: one wait per iteration.
    auto deviceLabels = at::empty({side * side}, at::TensorOptions().dtype(at::kInt).device(device));
    auto deviceLosses = at::empty({4}, at::TensorOptions().dtype(at::kFloat).device(device));
    auto iteration = [&] {
        optimizer.zeroGrad();
        auto out = reference ? net->forwardReference(input) : net->forward(input);
        auto labels = out.logits.argmax(1);  // (S*S) or 1 x S x S
        auto zero = at::zeros({}, out.logits.options());
        auto ce = config_.useCe ? detail::selfCrossEntropy(out.logits, labels) : zero;
        auto inter = config_.useInter ? detail::interScaleLoss(out.contextSmall, out.contextLarge) : zero;
        auto intra = config_.useIntra ? detail::intraScaleLoss(reference ? net->intraAttentionReference(out.logits)
                                                                         : net->intraAttention(out.logits))
                                      : zero;
        auto total = w.ce * ce + w.inter * inter + w.intra * intra;
        deviceLabels.copy_(labels.reshape({-1}));
        deviceLosses.copy_(at::stack({ce, inter, intra, total}).detach());
        total.backward();
        optimizer.step();
    };
    // On CUDA the iterations run on the graph's stream: the first two eagerly,
    // the third recorded, every later one replayed. Iteration i + 1 is queued
    // before the host reads iteration i's labels and losses (run-ahead), so
    // the device is not idle while the host counts labels and draws the
    // preview. When the loop stops after iteration i, iteration i + 1 has
    // already run: its labels, the argmax of its forward pass, are the argmax
    // after step i, which is the final map. On the CPU, each iteration
    // runs in order unless setRunAhead (tests of this order).
    constexpr int kEagerIterations = 2;
    std::unique_ptr<detail::IterationGraph> graph;
    if (onCuda && detail::IterationGraph::supported()) graph = std::make_unique<detail::IterationGraph>();
    const bool runAhead = (graph != nullptr && detail::gpuStepEnabled(detail::GpuStep::RunAhead)) || runAhead_;
    bool graphReady = false, graphRefused = !config_.cudaGraphs;
    std::array<std::vector<at::Tensor>, 2> slots;  // host copies of {labels, losses} by iteration parity
    auto launch = [&](int it) {
        if (!graph) {
            iteration();
        } else if (it > kEagerIterations && !graphRefused) {
            if (!graphReady) {
                graphReady = graph->capture(iteration, &result.cudaGraphProblem);
                graphRefused = !graphReady;
            }
            if (graphReady) {
                graph->replay();
                result.cudaGraph = true;
            } else {
                graph->runEager(iteration);
            }
        } else {
            graph->runEager(iteration);
        }
        if (graph) {
            slots[it % 2] = graph->copyToHost({deviceLabels, deviceLosses}, it % 2);
        } else {  // in order: a blocking copy (none on the CPU, unless running ahead)
            auto toHost = [&](const at::Tensor& t) { return t.to(t.options().device(at::kCPU), false, runAhead); };
            slots[it % 2] = {toHost(deviceLabels), toHost(deviceLosses)};
        }
    };
    auto collect = [&](int it) -> const std::vector<at::Tensor>& {
        if (graph) graph->wait(it % 2);
        return slots[it % 2];
    };
    auto checkFinite = [&](int it, const float* losses) {
        if (std::isfinite(losses[3])) return;
        throw SegmentationError("the loss became non-finite at iteration " + std::to_string(it) + " (ce " +
                                std::to_string(losses[0]) + ", inter " + std::to_string(losses[1]) + ", intra " +
                                std::to_string(losses[2]) + ")");
    };
    int launched = 0, collected = 0;
    std::vector<int32_t> previousLabels;
    int stableRun = 0;
    auto previousDone = Clock::now();  // when iteration i - 1 had been read
    for (int it = 1; it <= config_.maxIterations; ++it) {
        if (cancel && cancel->cancelled()) {
            result.cancelled = true;
            break;
        }
        // In order: from this iteration's launch. Running ahead, it was launched
        // while the host read the previous one: from the end of that reading.
        const auto t0 = runAhead && it > 1 ? previousDone : Clock::now();
        if (launched < it) launch(launched = it);
        if (runAhead && it < config_.maxIterations) launch(launched = it + 1);
        const auto& host = collect(collected = it);
        const auto hostLabels = host[0];
        const auto hostLosses = host[1];

        IterationStats stats;
        stats.iteration = it;
        const float* losses = hostLosses.data_ptr<float>();
        stats.lossCe = config_.useCe ? losses[0] : 0;
        stats.lossInter = config_.useInter ? losses[1] : 0;
        stats.lossIntra = config_.useIntra ? losses[2] : 0;
        stats.lossTotal = losses[3];
        checkFinite(it, losses);
        const int32_t* argmax = hostLabels.data_ptr<int32_t>();
        LabelMap raw{static_cast<int>(side), static_cast<int>(side), {argmax, argmax + side * side}};
        stats.labelCount = raw.count();
        if (!previousLabels.empty()) {
            stats.changedFraction = changedFraction(raw.labels, previousLabels);
            stableRun = stats.changedFraction < config_.stableChangeFraction ? stableRun + 1 : 0;
        }
        const LabelMap map = minLabelArea > 1 || observer_ || keepIterationMaps_ ? renumberBySize(raw) : LabelMap{};
        previousLabels = std::move(raw.labels);
        const int significant = minLabelArea > 1 ? countLabelsAtLeast(map, minLabelArea) : stats.labelCount;
        previousDone = Clock::now();
        stats.milliseconds = std::chrono::duration<double, std::milli>(previousDone - t0).count();
        result.history.push_back(stats);

        if (observer_ || keepIterationMaps_) {
            LabelMap cleaned = cleanUp(map);
            const bool goOn = !observer_ || observer_(stats, cleaned);
            const std::size_t mapBytes = cleaned.labels.size() * sizeof(int32_t);
            if (keepIterationMaps_ && (result.iterationMaps.size() + 1) <= iterationMapBytes_ / mapBytes)
                result.iterationMaps.push_back(std::move(cleaned));
            if (!goOn) {
                result.cancelled = true;
                break;
            }
        }
        if (significant <= config_.minLabels ||
            (config_.stableIterations > 0 && stableRun >= config_.stableIterations)) {
            result.stoppedEarly = true;
            break;
        }
    }

    if (cancel && cancel->abandoned()) {  // nobody takes the map: not made
        result.cancelled = true;
        result.totalMilliseconds = msSince(start);
        return result;
    }
    if (launched > collected) {
        // The iteration queued ahead: its forward pass ran on the weights after
        // the last step counted, so its argmax is the final map.
        const auto& host = collect(launched);
        checkFinite(launched, host[1].data_ptr<float>());
        result.working = cleanUp(detail::toLabelMap(host[0].view({side, side})));
    } else {
        torch::NoGradGuard noGrad;
        auto logits = reference ? net->forwardReference(input).logits : net->forward(input).logits;
        if (!at::isfinite(logits).all().item<bool>())
            throw SegmentationError("the final logits are non-finite");
        result.working = cleanUp(detail::toLabelMap(logits.argmax(1).view({side, side})));
    }
    result.original = finishWorkingMap(result.working, image, config_);
    result.clusterCount = result.original.count();
    result.totalMilliseconds = msSince(start);
    return result;
}

LabelMap finishWorkingMap(const LabelMap& working, const ImageBuffer& image, const MsFormerConfig& config) {
    if (working.empty() || working.width != config.size || working.height != config.size)
        throw SegmentationError("finishWorkingMap: a " + std::to_string(working.width) + " x " +
                                std::to_string(working.height) + " map, not the working size " +
                                std::to_string(config.size) + " x " + std::to_string(config.size));
    LabelMap original = resizeNearest(working, image.width, image.height);
    if (config.refineRadius > 0) {
        // One working pixel covers this many original pixels.
        const double scale = std::max(image.width, image.height) / static_cast<double>(config.size);
        const int passes = static_cast<int>(std::ceil(config.refineRadius * scale));
        original = refineBoundaries(mergeSimilarNeighbours(original, image, config.mergeColourTolerance), image, passes);
        const int64_t side = config.size;
        const int mergeArea = static_cast<int>(config.mergeRegionsBelowFraction * side * side);
        if (mergeArea > 1) {
            const double areaScale = static_cast<double>(image.width) * image.height / (side * side);
            original = mergeSmallRegions(original, static_cast<int>(mergeArea * areaScale));
        }
    }
    // Resizing or refinement can drop a label: the delivered map is numbered
    // 0..n-1 by size and the count is its own, not the working map's.
    return renumberBySize(original);
}

}  // namespace msf
