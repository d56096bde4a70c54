#include "msformer/segmenter.h"

#include <ATen/ATen.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <vector>

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
    const auto start = Clock::now();
    if (const auto problem = config_.validate(); !problem.empty()) throw SegmentationError(problem);
    const DeviceChoice resolved = resolveDevice(config_.device);
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
    constexpr int kEagerIterations = 2;
    std::unique_ptr<detail::IterationGraph> graph;
    if (onCuda && config_.cudaGraphs && detail::IterationGraph::supported())
        graph = std::make_unique<detail::IterationGraph>();
    bool graphReady = false;
    std::vector<int32_t> previousLabels;
    int stableRun = 0;
    for (int it = 1; it <= config_.maxIterations; ++it) {
        if (cancel && cancel->cancelled()) {
            result.cancelled = true;
            break;
        }
        const auto t0 = Clock::now();
        if (graph && it > kEagerIterations) {
            if (!graphReady) {
                graphReady = graph->capture(iteration, &result.cudaGraphProblem);
                if (!graphReady) graph.reset();  // stay eager from here on
            }
            if (graphReady) {
                graph->replay();
                result.cudaGraph = true;
            } else {
                iteration();
            }
        } else if (graph) {
            graph->runEager(iteration);
        } else {
            iteration();
        }
        // Blocking copies: they wait for the iteration queued before them.
        const auto hostLabels = deviceLabels.to(at::kCPU);
        const auto hostLosses = deviceLosses.to(at::kCPU);

        IterationStats stats;
        stats.iteration = it;
        const float* losses = hostLosses.data_ptr<float>();
        stats.lossCe = config_.useCe ? losses[0] : 0;
        stats.lossInter = config_.useInter ? losses[1] : 0;
        stats.lossIntra = config_.useIntra ? losses[2] : 0;
        stats.lossTotal = losses[3];
        if (!std::isfinite(stats.lossTotal)) {
            throw SegmentationError("the loss became non-finite at iteration " + std::to_string(it) +
                                    " (ce " + std::to_string(stats.lossCe) + ", inter " +
                                    std::to_string(stats.lossInter) + ", intra " +
                                    std::to_string(stats.lossIntra) + ")");
        }
        const int32_t* argmax = hostLabels.data_ptr<int32_t>();
        LabelMap raw{static_cast<int>(side), static_cast<int>(side), {argmax, argmax + side * side}};
        stats.labelCount = raw.count();
        if (!previousLabels.empty()) {
            stats.changedFraction = changedFraction(raw.labels, previousLabels);
            stableRun = stats.changedFraction < config_.stableChangeFraction ? stableRun + 1 : 0;
        }
        const LabelMap map = minLabelArea > 1 || observer_ ? renumberBySize(raw) : LabelMap{};
        previousLabels = std::move(raw.labels);
        const int significant = minLabelArea > 1 ? countLabelsAtLeast(map, minLabelArea) : stats.labelCount;
        stats.milliseconds = msSince(t0);
        result.history.push_back(stats);

        if (observer_ && !observer_(stats, cleanUp(map))) {
            result.cancelled = true;
            break;
        }
        if (significant <= config_.minLabels ||
            (config_.stableIterations > 0 && stableRun >= config_.stableIterations)) {
            result.stoppedEarly = true;
            break;
        }
    }

    {
        torch::NoGradGuard noGrad;
        auto logits = reference ? net->forwardReference(input).logits : net->forward(input).logits;
        if (!at::isfinite(logits).all().item<bool>())
            throw SegmentationError("the final logits are non-finite");
        result.working = cleanUp(detail::toLabelMap(logits.argmax(1).view({side, side})));
    }
    result.original = resizeNearest(result.working, image.width, image.height);
    if (config_.refineRadius > 0) {
        // One working pixel covers this many original pixels.
        const double scale = std::max(image.width, image.height) / static_cast<double>(config_.size);
        const int passes = static_cast<int>(std::ceil(config_.refineRadius * scale));
        result.original = refineBoundaries(mergeSimilarNeighbours(result.original, image, config_.mergeColourTolerance),
                                           image, passes);
        if (mergeArea > 1) {
            const double areaScale = static_cast<double>(image.width) * image.height / (side * side);
            result.original = mergeSmallRegions(result.original, static_cast<int>(mergeArea * areaScale));
        }
    }
    result.clusterCount = result.working.count();
    result.totalMilliseconds = msSince(start);
    return result;
}

}  // namespace msf
