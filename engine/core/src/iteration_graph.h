#pragma once
// One optimisation iteration recorded as a CUDA graph and replayed.
//
// An iteration launches about 600 kernels; on an H100 the CPU needs longer to
// launch them through LibTorch's dispatcher and autograd than the GPU needs to
// run them, so the loop was bound by the CPU. Replaying a recorded graph
// launches the whole iteration at once. The graph records whatever `body`
// launches on the CUDA stream: parameters, gradients, momentum buffers and
// the pinned host buffers it copies into keep their addresses, so every
// replay is the next iteration.
//
// Built only where LibTorch has CUDA (MSFORMER_CUDA_GRAPHS); elsewhere
// supported() is false and the segmenter runs every iteration eagerly.
#include <functional>
#include <memory>
#include <string>

namespace msf::detail {

class IterationGraph {
public:
    static bool supported();

    IterationGraph();
    ~IterationGraph();
    IterationGraph(const IterationGraph&) = delete;
    IterationGraph& operator=(const IterationGraph&) = delete;

    // Runs `body` on the graph's stream and waits for it (warm-up iterations:
    // lazy library set-up and the optimiser's momentum buffers happen here).
    void runEager(const std::function<void()>& body);
    // Records `body` without running it. False, with the reason, if the CUDA
    // runtime refused (e.g. an op that waits for the device): the caller then
    // stays eager.
    bool capture(const std::function<void()>& body, std::string* why);
    // Runs the recorded iteration and waits for it.
    void replay();

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace msf::detail
