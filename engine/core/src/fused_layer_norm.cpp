#include "fused_layer_norm.h"

#include <ATen/ATen.h>

#include "gpu_formulations.h"

#ifdef MSFORMER_CUDA_KERNELS
#include <c10/cuda/CUDAStream.h>
#include <torch/csrc/autograd/custom_function.h>

#include "layer_norm_kernels.h"
#endif

namespace msf::detail {

#ifdef MSFORMER_CUDA_KERNELS
namespace {
// Contiguous, with a 16-byte aligned start (the kernels' float4 loads); a
// view into a larger tensor may start anywhere.
at::Tensor aligned(const at::Tensor& t) {
    auto c = t.contiguous();
    return reinterpret_cast<uintptr_t>(c.data_ptr()) % 16 == 0 ? c : c.clone();
}

void* currentStream() { return c10::cuda::getCurrentCUDAStream().stream(); }

struct KernelLayerNorm : public torch::autograd::Function<KernelLayerNorm> {
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& tokens,
                              const at::Tensor& weight, const at::Tensor& bias, double eps) {
        const auto x = aligned(tokens), w = aligned(weight), b = aligned(bias);
        const int64_t rows = x.size(0), cols = x.size(1);
        auto y = at::empty({rows, cols}, x.options());
        auto mean = at::empty({rows}, x.options()), rstd = at::empty({rows}, x.options());
        msf::cuda::layerNormForward(x.data_ptr<float>(), w.data_ptr<float>(), b.data_ptr<float>(), y.data_ptr<float>(),
                                    mean.data_ptr<float>(), rstd.data_ptr<float>(), rows, cols,
                                    static_cast<float>(eps), currentStream());
        ctx->save_for_backward({x, w, mean, rstd});
        return y;
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const auto &x = saved[0], &w = saved[1], &mean = saved[2], &rstd = saved[3];
        const auto dy = aligned(grads[0]);
        const int64_t rows = x.size(0), cols = x.size(1);
        const int blocks = msf::cuda::layerNormBackwardBlocks(rows, cols);
        auto dx = at::empty({rows, cols}, x.options());
        auto partialGamma = at::empty({blocks, cols}, x.options()), partialBeta = at::empty({blocks, cols}, x.options());
        msf::cuda::layerNormBackward(x.data_ptr<float>(), dy.data_ptr<float>(), w.data_ptr<float>(),
                                     mean.data_ptr<float>(), rstd.data_ptr<float>(), dx.data_ptr<float>(),
                                     partialGamma.data_ptr<float>(), partialBeta.data_ptr<float>(), rows, cols,
                                     currentStream());
        return {dx, partialGamma.sum(0), partialBeta.sum(0), at::Tensor()};
    }
};
}  // namespace

bool layerNormKernelBuilt() { return true; }

at::Tensor layerNormTokens(const at::Tensor& tokens, const at::Tensor& weight, const at::Tensor& bias, double eps) {
    if (tokens.is_cuda() && gpuStepEnabled(GpuStep::LayerNormKernel) && tokens.dim() == 2 &&
        tokens.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat && bias.scalar_type() == at::kFloat &&
        msf::cuda::layerNormSupports(tokens.size(1)))
        return KernelLayerNorm::apply(tokens, weight, bias, eps);
    return at::layer_norm(tokens, {tokens.size(-1)}, weight, bias, eps);
}

#else

bool layerNormKernelBuilt() { return false; }

at::Tensor layerNormTokens(const at::Tensor& tokens, const at::Tensor& weight, const at::Tensor& bias, double eps) {
    return at::layer_norm(tokens, {tokens.size(-1)}, weight, bias, eps);
}

#endif

}  // namespace msf::detail
