#pragma once
// SGD with momentum, PyTorch's update (dampening 0, no Nesterov, no weight
// decay): b = g on a parameter's first step, else b = m * b + g; then
// p -= lr * b. The same arithmetic as torch::optim::SGD, over all parameters
// at once with LibTorch's multi-tensor (_foreach) ops: on CUDA a handful of
// kernels per step instead of three per parameter (about 300 of an
// iteration's 700 launches at D = 100); on the CPU the same per-tensor calls.
// zeroGrad() zeroes the gradients on the CPU; on CUDA it releases them, so the
// backward pass writes them fresh instead of adding them to zeros (same values,
// about 200 kernels fewer). Released gradients cost 130-160 MB more peak RSS on
// the CPU at S = 257 (1537-1576 vs 1410 MB here), so the CPU keeps zeroing.
#include <ATen/core/Tensor.h>

#include <vector>

namespace msf::detail {

class MomentumSgd {
public:
    MomentumSgd(std::vector<at::Tensor> parameters, double learningRate, double momentum);
    void zeroGrad();
    // Parameters without a gradient (a loss switched off) are left alone, as
    // torch::optim::SGD does.
    void step();

private:
    std::vector<at::Tensor> parameters_, buffers_;  // buffers_[i] undefined until parameter i's first step
    double learningRate_, momentum_;
};

}  // namespace msf::detail
