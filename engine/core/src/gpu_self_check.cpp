#include "msformer/gpu_self_check.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <torch/cuda.h>

#include <algorithm>
#include <cstdio>

#include "fused_layer_norm.h"
#include "losses.h"
#include "model.h"
#include "seeding.h"

namespace msf {

namespace {
double relativeError(const at::Tensor& value, const at::Tensor& reference) {
    const auto v = value.to(at::kCPU, at::kDouble), r = reference.to(at::kCPU, at::kDouble);
    if (!at::isfinite(v).all().item<bool>()) return INFINITY;
    return (v - r).norm().item<double>() / std::max(r.norm().item<double>(), 1e-30);
}

std::string line(const std::string& what, double error, double limit, bool* passed) {
    const bool ok = error <= limit;
    *passed = *passed && ok;
    char text[256];
    std::snprintf(text, sizeof text, "%s %s: relative error %.2e (limit %.0e)", ok ? "PASS" : "FAIL", what.c_str(),
                  error, limit);
    return text;
}

// Fills the CUDA caching allocator's free memory with NaN, so that an output
// element a kernel fails to write shows up as non-finite.
void poisonFreeMemory() {
    auto t = at::full({64 << 20}, NAN, at::TensorOptions().device(at::kCUDA));  // 256 MB
    t = at::Tensor();
}

void checkLayerNorm(std::vector<std::string>& out, bool* passed) {
    for (const auto& [rows, cols] : {std::pair<int64_t, int64_t>{66049, 100}, {66049, 400}, {16641, 100}, {1000, 512},
                                     {3, 64}, {5, 36}, {7, 12}}) {
        const auto cuda = at::TensorOptions().device(at::kCUDA);
        auto x = (at::randn({rows, cols}, cuda) * 3 + 1).requires_grad_(true);
        auto w = (at::randn({cols}, cuda) * 0.5 + 1).requires_grad_(true);
        auto b = at::randn({cols}, cuda).requires_grad_(true);
        auto dy = at::randn({rows, cols}, cuda);
        auto x64 = x.detach().to(at::kDouble).requires_grad_(true);
        auto w64 = w.detach().to(at::kDouble).requires_grad_(true);
        auto b64 = b.detach().to(at::kDouble).requires_grad_(true);
        poisonFreeMemory();
        auto y = detail::layerNormTokens(x, w, b, 1e-5);
        y.backward(dy);
        auto ref = at::layer_norm(x64, {cols}, w64, b64, 1e-5);
        ref.backward(dy.to(at::kDouble));
        const std::string shape = std::to_string(rows) + " x " + std::to_string(cols);
        out.push_back(line("layer norm " + shape + " forward", relativeError(y, ref), 1e-5, passed));
        out.push_back(line("layer norm " + shape + " d input", relativeError(x.grad(), x64.grad()), 1e-5, passed));
        // Sums over all rows: float32 accumulation (LibTorch's own CPU kernel gives 5e-6 at 66049 rows).
        out.push_back(line("layer norm " + shape + " d weight", relativeError(w.grad(), w64.grad()), 1e-4, passed));
        out.push_back(line("layer norm " + shape + " d bias", relativeError(b.grad(), b64.grad()), 1e-4, passed));
    }
}

void checkNetwork(std::vector<std::string>& out, bool* passed) {
    MsFormerConfig c = faithfulConfig();
    c.size = 65;
    auto make = [&] {
        detail::SeedGuard seeded(c.seed);
        return detail::MsFormerNet(c, 3);
    };
    auto onCuda = make(), onCpu = make();
    onCuda->to(at::kCUDA);
    onCpu->to(at::kDouble);
    auto x = at::rand({1, 3, c.size, c.size});
    auto loss = [](detail::MsFormerNet& net, const at::Tensor& input) {
        auto o = net->forward(input);
        auto labels = o.logits.argmax(1);
        return detail::selfCrossEntropy(o.logits, labels) + 2.0 * detail::interScaleLoss(o.contextSmall, o.contextLarge) +
               1.2 * detail::intraScaleLoss(net->intraAttention(o.logits));
    };
    // Float32 throughout (cuDNN's convolutions default to TF32).
    const bool tf32Convolutions = at::globalContext().allowTF32CuDNN();
    at::globalContext().setAllowTF32CuDNN(false);
    poisonFreeMemory();
    auto lossCuda = loss(onCuda, x.to(at::kCUDA).contiguous(at::MemoryFormat::ChannelsLast));
    auto lossCpu = loss(onCpu, x.to(at::kDouble));
    lossCuda.backward();
    at::globalContext().setAllowTF32CuDNN(tf32Convolutions);
    lossCpu.backward();
    out.push_back(line("network loss, CUDA float32 vs CPU float64", relativeError(lossCuda, lossCpu), 1e-4, passed));
    // Per parameter, the largest difference over the larger of its own largest
    // gradient and a thousandth of the model's (biases that feed a BatchNorm
    // have a true gradient of ~0), as test_engine_internals does.
    double largest = 0;
    for (const auto& item : onCpu->named_parameters()) largest = std::max(largest, item.value().grad().abs().max().item<double>());
    double worst = 0;
    std::string worstName;
    int compared = 0;
    for (const auto& item : onCpu->named_parameters()) {
        if (item.key().find("attention.key.bias") != std::string::npos) continue;  // left out on CUDA: true gradient 0
        const auto g = onCuda->named_parameters()[item.key()].grad();
        const auto ref = item.value().grad();
        double error = INFINITY;
        if (g.defined() && at::isfinite(g).all().item<bool>())
            error = (g.to(at::kCPU, at::kDouble) - ref).abs().max().item<double>() /
                    std::max(ref.abs().max().item<double>(), 1e-3 * largest);
        if (error > worst || !compared) worst = error, worstName = item.key();
        ++compared;
    }
    out.push_back(line("network gradients (" + std::to_string(compared) + " parameters; worst " + worstName + ")",
                       worst, 5e-3, passed));
}
}  // namespace

std::vector<std::string> gpuSelfCheck(bool* passed) {
    *passed = true;
    std::vector<std::string> out;
    if (!torch::cuda::is_available()) {
        out.push_back("SKIP no CUDA device");
        return out;
    }
    out.push_back(std::string("layer norm kernels: ") + (detail::layerNormKernelBuilt() ? "built" : "not built (LibTorch's)"));
    try {
        checkLayerNorm(out, passed);
        checkNetwork(out, passed);
    } catch (const std::exception& e) {
        *passed = false;
        out.push_back(std::string("FAIL exception: ") + e.what());
    }
    return out;
}

}  // namespace msf
