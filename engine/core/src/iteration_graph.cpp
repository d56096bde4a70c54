#include "iteration_graph.h"

#ifdef MSFORMER_CUDA_GRAPHS
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

#include <optional>
#endif

#include <stdexcept>

namespace msf::detail {

#ifdef MSFORMER_CUDA_GRAPHS

struct IterationGraph::State {
    // Capture needs a stream other than the default one.
    c10::cuda::CUDAStream stream = c10::cuda::getStreamFromPool();
    std::optional<at::cuda::CUDAGraph> graph;
};

bool IterationGraph::supported() { return true; }

IterationGraph::IterationGraph() : state_(std::make_unique<State>()) {
    // Work queued on the default stream before (the input, the parameters)
    // is complete before this stream reads it.
    c10::cuda::getDefaultCUDAStream().synchronize();
}

// Every use of the stream ends waiting for it, so later work on the default
// stream sees everything this one did.
IterationGraph::~IterationGraph() = default;

void IterationGraph::runEager(const std::function<void()>& body) {
    c10::cuda::CUDAStreamGuard guard(state_->stream);
    body();
    state_->stream.synchronize();
}

bool IterationGraph::capture(const std::function<void()>& body, std::string* why) {
    c10::cuda::CUDAStreamGuard guard(state_->stream);
    state_->stream.synchronize();
    state_->graph.emplace();
    try {
        // Thread-local: LibTorch's autograd runs the backward pass on its own
        // device thread, whose launches belong in the graph too.
        state_->graph->capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
        body();
        state_->graph->capture_end();
        return true;
    } catch (const std::exception& e) {
        if (why) *why = e.what();
        // Leave the stream out of capture mode and clear the refused call's error.
        cudaGraph_t partial = nullptr;
        if (cudaStreamEndCapture(state_->stream.stream(), &partial) == cudaSuccess && partial)
            cudaGraphDestroy(partial);
        (void)cudaGetLastError();
        state_->graph.reset();
        return false;
    }
}

void IterationGraph::replay() {
    if (!state_->graph) throw std::logic_error("IterationGraph::replay before a successful capture");
    c10::cuda::CUDAStreamGuard guard(state_->stream);
    state_->graph->replay();
    state_->stream.synchronize();
}

#else

struct IterationGraph::State {};
bool IterationGraph::supported() { return false; }
IterationGraph::IterationGraph() = default;
IterationGraph::~IterationGraph() = default;
void IterationGraph::runEager(const std::function<void()>& body) { body(); }
bool IterationGraph::capture(const std::function<void()>&, std::string* why) {
    if (why) *why = "this build of LibTorch has no CUDA";
    return false;
}
void IterationGraph::replay() { throw std::logic_error("CUDA graphs are not built in"); }

#endif

}  // namespace msf::detail
