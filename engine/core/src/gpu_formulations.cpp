#include "gpu_formulations.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <string>

namespace msf::detail {

namespace {
std::atomic<bool> forced{false};

// The steps MSFORMER_GPU_ABLATE turns off, read once.
bool ablated(GpuStep step) {
    static const std::array<bool, 6> off = [] {
        const char* names[] = {"run-ahead", "bias-product", "key-bias", "gather-ce", "intra-product", "layernorm-kernel"};
        const char* v = std::getenv("MSFORMER_GPU_ABLATE");
        const std::string list = "," + std::string(v ? v : "") + ",";
        std::array<bool, 6> result{};
        for (size_t i = 0; i < result.size(); ++i) result[i] = list.find("," + std::string(names[i]) + ",") != std::string::npos;
        return result;
    }();
    return off.at(static_cast<size_t>(step));
}

// Column sums of dY (n x O), the bias gradient, as a matrix product.
at::Tensor biasGradient(const at::Tensor& dy) {
    return at::mm(at::ones({1, dy.size(0)}, dy.options()), dy).view({-1});
}

struct LinearBiasByProduct : public torch::autograd::Function<LinearBiasByProduct> {
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& tokens,
                              const at::Tensor& weight, const at::Tensor& bias) {
        ctx->save_for_backward({tokens, weight});
        return at::addmm(bias, tokens, weight.t());
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const auto& tokens = saved[0];
        const auto& weight = saved[1];
        const auto dy = grads[0].contiguous();  // n x O
        at::Tensor dTokens, dWeight, dBias;
        if (ctx->needs_input_grad(0)) dTokens = at::mm(dy, weight);
        if (ctx->needs_input_grad(1)) dWeight = at::mm(dy.t(), tokens);
        if (ctx->needs_input_grad(2)) dBias = biasGradient(dy);
        return {dTokens, dWeight, dBias};
    }
};

struct AddBiasByProduct : public torch::autograd::Function<AddBiasByProduct> {
    static at::Tensor forward(torch::autograd::AutogradContext*, const at::Tensor& tokens, const at::Tensor& bias) {
        return tokens + bias;
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        return {grads[0], ctx->needs_input_grad(1) ? biasGradient(grads[0].contiguous()) : at::Tensor()};
    }
};
}  // namespace

bool gpuStepEnabled(GpuStep step) { return !ablated(step); }

bool gpuFormulation(const at::Tensor& t, GpuStep step) {
    return (t.is_cuda() || forced.load(std::memory_order_relaxed)) && !ablated(step);
}
void forceGpuFormulations(bool on) { forced.store(on, std::memory_order_relaxed); }

at::Tensor linearWithBiasGradientByProduct(const at::Tensor& tokens, const at::Tensor& weight, const at::Tensor& bias) {
    return LinearBiasByProduct::apply(tokens, weight, bias);
}

at::Tensor addBiasWithGradientByProduct(const at::Tensor& tokens, const at::Tensor& bias) {
    return AddBiasByProduct::apply(tokens, bias);
}

}  // namespace msf::detail
