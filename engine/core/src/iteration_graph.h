#pragma once
// The CUDA side of the optimisation loop: the stream every iteration runs on,
// one iteration recorded as a CUDA graph and replayed, and the copies of each
// iteration's labels and losses to the host.
//
// An iteration launches about 460 kernels; on an H100 the CPU needs longer to
// launch them through LibTorch's dispatcher and autograd than the GPU needs to
// run them, so the loop was bound by the CPU. Replaying a recorded graph
// launches the whole iteration at once. The graph records whatever `body`
// launches on the stream: parameters, gradients, momentum buffers and the
// device tensors it writes its labels and losses into keep their addresses,
// so every replay is the next iteration.
//
// Nothing here waits for the device except wait() and capture(): the loop
// queues iteration i + 1 before it reads iteration i's labels, so the device
// is not idle while the host counts labels and draws the preview (about
// 1.3 ms per iteration at S = 257 on an H100, a tenth of the iteration).
//
// Built only where LibTorch has CUDA (MSFORMER_CUDA_GRAPHS); elsewhere
// supported() is false and the segmenter runs every iteration eagerly on the
// CPU, in order.
#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace msf::detail {

class IterationGraph {
public:
    static bool supported();

    IterationGraph();
    // Waits for the work queued on the stream.
    ~IterationGraph();
    IterationGraph(const IterationGraph&) = delete;
    IterationGraph& operator=(const IterationGraph&) = delete;

    // Queues `body` on the graph's stream (warm-up iterations: lazy library
    // set-up and the optimiser's momentum buffers happen here).
    void runEager(const std::function<void()>& body);
    // Waits for the stream, then records `body` without running it. False,
    // with the reason, if the CUDA runtime refused (e.g. an op that waits for
    // the device): the caller then stays eager.
    bool capture(const std::function<void()>& body, std::string* why);
    // Queues the recorded iteration.
    void replay();
    // Queues copies of `sources` into pinned host tensors of `slot` (0 or 1),
    // behind the work queued so far, and returns those host tensors. They hold
    // the values once wait(slot) has returned, until the slot is used again.
    std::vector<at::Tensor> copyToHost(const std::vector<at::Tensor>& sources, int slot);
    void wait(int slot);

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace msf::detail
