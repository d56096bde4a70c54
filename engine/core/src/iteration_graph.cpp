#include "iteration_graph.h"

#ifdef MSFORMER_CUDA_GRAPHS
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

#include <array>
#include <optional>
#endif

#include <stdexcept>

namespace msf::detail {

#ifdef MSFORMER_CUDA_GRAPHS

struct IterationGraph::State {
    // Capture needs a stream other than the default one.
    c10::cuda::CUDAStream stream = c10::cuda::getStreamFromPool();
    std::optional<at::cuda::CUDAGraph> graph;
    std::array<std::vector<at::Tensor>, 2> host;  // pinned, allocated on first use
    std::array<at::cuda::CUDAEvent, 2> copied;
};

bool IterationGraph::supported() { return true; }

IterationGraph::IterationGraph() : state_(std::make_unique<State>()) {
    // Work queued on the default stream before (the input, the parameters)
    // is complete before this stream reads it.
    c10::cuda::getDefaultCUDAStream().synchronize();
}

// Later work on the default stream (the final map, freeing the tensors the
// iterations used) sees everything this stream did.
IterationGraph::~IterationGraph() {
    try {
        state_->stream.synchronize();
    } catch (...) {  // a destructor must not throw; the device error resurfaces at the next call
    }
}

void IterationGraph::runEager(const std::function<void()>& body) {
    c10::cuda::CUDAStreamGuard guard(state_->stream);
    body();
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
}

std::vector<at::Tensor> IterationGraph::copyToHost(const std::vector<at::Tensor>& sources, int slot) {
    c10::cuda::CUDAStreamGuard guard(state_->stream);
    auto& host = state_->host.at(slot);
    if (host.size() != sources.size()) {
        host.clear();
        for (const auto& s : sources)
            host.push_back(at::empty(s.sizes(), s.options().device(at::kCPU).pinned_memory(true)));
    }
    for (size_t i = 0; i < sources.size(); ++i) host[i].copy_(sources[i], /*non_blocking=*/true);
    state_->copied.at(slot).record(state_->stream);
    return host;
}

void IterationGraph::wait(int slot) { state_->copied.at(slot).synchronize(); }

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
std::vector<at::Tensor> IterationGraph::copyToHost(const std::vector<at::Tensor>& sources, int) {
    std::vector<at::Tensor> copies;
    for (const auto& s : sources) copies.push_back(s.clone());
    return copies;
}
void IterationGraph::wait(int) {}

#endif

}  // namespace msf::detail
