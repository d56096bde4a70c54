#pragma once
// Checks of the CUDA path on the machine it runs on (msformer-engine-bench
// --self-check; scripts/gpu_check.sh runs it before timing): the engine's
// LayerNorm kernels against LibTorch's in float64, and the network's loss and
// gradients on CUDA (float32, every GPU formulation) against the CPU
// arrangement in float64. One line per check; `passed` is false if any failed.
#include <string>
#include <vector>

namespace msf {

std::vector<std::string> gpuSelfCheck(bool* passed);

}  // namespace msf
