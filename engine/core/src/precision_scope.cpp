#include "precision_scope.h"

#include <ATen/Context.h>
#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace msf::detail {

// LibTorch 2.4 replaced the per-backend autocast functions with ones taking the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool autocastEnabled(c10::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
namespace {
void setAutocastEnabled(c10::DeviceType d, bool on) { at::autocast::set_autocast_enabled(d, on); }
at::ScalarType autocastDtype(c10::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
void setAutocastDtype(c10::DeviceType d, at::ScalarType t) { at::autocast::set_autocast_dtype(d, t); }
#else
bool autocastEnabled(c10::DeviceType d) {
    return d == c10::DeviceType::CUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
namespace {
void setAutocastEnabled(c10::DeviceType d, bool on) {
    if (d == c10::DeviceType::CUDA) at::autocast::set_enabled(on);
    else at::autocast::set_cpu_enabled(on);
}
at::ScalarType autocastDtype(c10::DeviceType d) {
    return d == c10::DeviceType::CUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void setAutocastDtype(c10::DeviceType d, at::ScalarType t) {
    if (d == c10::DeviceType::CUDA) at::autocast::set_autocast_gpu_dtype(t);
    else at::autocast::set_autocast_cpu_dtype(t);
}
#endif
}  // namespace

struct PrecisionScope::Saved {
    c10::DeviceType device;
    bool tf32 = false;
    bool autocast = false;
    at::ScalarType autocastDtype = at::kFloat;
    bool autocastCache = true;
    bool changedTf32 = false, changedAutocast = false;
};

PrecisionScope::PrecisionScope(Precision precision, c10::DeviceType device) : saved_(std::make_unique<Saved>()) {
    auto& s = *saved_;
    s.device = device;
    if (precision == Precision::TF32 && device == c10::DeviceType::CUDA) {
        s.tf32 = at::globalContext().allowTF32CuBLAS();
        at::globalContext().setAllowTF32CuBLAS(true);
        s.changedTf32 = true;
    }
    if (precision == Precision::BFloat16) {
        s.autocast = autocastEnabled(device);
        s.autocastDtype = autocastDtype(device);
        s.autocastCache = at::autocast::is_autocast_cache_enabled();
        setAutocastEnabled(device, true);
        setAutocastDtype(device, at::kBFloat16);
        // No cached casts of the weights: the optimiser changes them every
        // iteration, and a CUDA graph must record the casts it replays.
        at::autocast::set_autocast_cache_enabled(false);
        s.changedAutocast = true;
    }
}

PrecisionScope::~PrecisionScope() {
    auto& s = *saved_;
    if (s.changedTf32) at::globalContext().setAllowTF32CuBLAS(s.tf32);
    if (s.changedAutocast) {
        setAutocastEnabled(s.device, s.autocast);
        setAutocastDtype(s.device, s.autocastDtype);
        at::autocast::set_autocast_cache_enabled(s.autocastCache);
    }
}

}  // namespace msf::detail
