#include "msformer/config.h"

#include <sstream>
#include <utility>

namespace msf {

namespace {
template <typename T>
std::string outOfRange(const char* name, T value, const char* expected) {
    std::ostringstream s;
    s << name << " = " << value << " is invalid: expected " << expected;
    return s.str();
}
}  // namespace

std::string MsFormerConfig::validate() const {
    if (size < 16 || size > 2048) return outOfRange("size", size, "16..2048");
    if (embedDim < 1 || embedDim > 1024) return outOfRange("embed_dim", embedDim, "1..1024");
    if (clusters < 2 || clusters > 1024) return outOfRange("clusters", clusters, "2..1024");
    if (blocks < 1 || blocks > 16) return outOfRange("blocks", blocks, "1..16");
    if (ffnRatio < 1 || ffnRatio > 16) return outOfRange("ffn_ratio", ffnRatio, "1..16");
    if (largeStride < 2 || largeStride > 8) return outOfRange("large_stride", largeStride, "2..8");
    if (intraShift < 0 || intraShift > 8) return outOfRange("intra_shift", intraShift, "0..8");
    if (intraPatch < 1) return outOfRange("intra_patch", intraPatch, ">= 1");
    if (!(intraTemperature > 0)) return outOfRange("intra_temperature", intraTemperature, "> 0");
    if (weights.ce < 0 || weights.inter < 0 || weights.intra < 0)
        return "loss weights must be >= 0";
    if (!useCe && !useInter && !useIntra) return "at least one loss must be enabled";
    if (maxIterations < 1 || maxIterations > 10000) return outOfRange("max_iterations", maxIterations, "1..10000");
    if (minLabels < 0) return outOfRange("min_labels", minLabels, ">= 0");
    if (!(learningRate > 0)) return outOfRange("learning_rate", learningRate, "> 0");
    if (momentum < 0 || momentum >= 1) return outOfRange("momentum", momentum, "0 <= m < 1");
    if (threads < 0) return outOfRange("threads", threads, ">= 0");
    if (minLabelAreaFraction < 0 || minLabelAreaFraction >= 1)
        return outOfRange("min_label_area", minLabelAreaFraction, "0 <= f < 1");
    if (mergeRegionsBelowFraction < 0 || mergeRegionsBelowFraction >= 1)
        return outOfRange("merge_regions_below", mergeRegionsBelowFraction, "0 <= f < 1");
    return {};
}

MsFormerConfig faithfulConfig() { return MsFormerConfig{}; }

MsFormerConfig interactiveConfig() {
    MsFormerConfig c;
    c.size = 129;
    c.interpolateUpsampling = true;
    c.minLabelAreaFraction = 0.002;
    c.mergeRegionsBelowFraction = 0.001;
    c.standardizeInput = true;
    c.replicateEdges = true;
    c.refineRadius = 8;
    c.stableIterations = 3;
    c.recomputeActivations = false;  // S = 129 needs under 1 GB anyway; speed first
    // bfloat16 on CPUs that have it: 13-19% less time per iteration here, the
    // same maps on the quality sets (docs/measurements/cpu_bf16.log).
    c.precision = Precision::Auto;
    return c;
}

std::string KMeansConfig::validate() const {
    if (size < 2 || size > 4096) return outOfRange("size", size, "2..4096");
    if (k < 2 || k > 64) return outOfRange("k", k, "2..64");
    if (maxIterations < 1) return outOfRange("max_iterations", maxIterations, ">= 1");
    return {};
}

const char* deviceChoiceName(DeviceChoice d) {
    switch (d) {
        case DeviceChoice::Cpu: return "cpu";
        case DeviceChoice::Cuda: return "cuda";
        default: return "auto";
    }
}

bool parseDeviceChoice(const std::string& s, DeviceChoice* out) {
    if (s == "auto") *out = DeviceChoice::Auto;
    else if (s == "cpu") *out = DeviceChoice::Cpu;
    else if (s == "cuda" || s == "gpu") *out = DeviceChoice::Cuda;
    else return false;
    return true;
}

namespace {
template <typename T>
std::string text(T value) {
    std::ostringstream s;
    s << value;  // 6 significant digits: 0.1, 0.002, 1e-06
    return s.str();
}
}  // namespace

std::map<std::string, std::string> parameterMap(const MsFormerConfig& c) {
    const auto flag = [](bool b) { return std::string(b ? "1" : "0"); };
    std::string losses;
    for (const auto& [on, name] : {std::pair{c.useCe, "ce"}, {c.useInter, "inter"}, {c.useIntra, "intra"}})
        if (on) losses += (losses.empty() ? "" : " ") + std::string(name);
    return {{"size", text(c.size)},
            {"embed_dim", text(c.embedDim)},
            {"clusters", text(c.clusters)},
            {"blocks", text(c.blocks)},
            {"ffn_ratio", text(c.ffnRatio)},
            {"large_stride", text(c.largeStride)},
            {"intra_shift", text(c.intraShift)},
            {"intra_patch", text(c.intraPatch)},
            {"intra_temperature", text(c.intraTemperature)},
            {"weights", text(c.weights.ce) + "," + text(c.weights.inter) + "," + text(c.weights.intra)},
            {"losses", losses},
            {"max_iterations", text(c.maxIterations)},
            {"min_labels", text(c.minLabels)},
            {"learning_rate", text(c.learningRate)},
            {"momentum", text(c.momentum)},
            {"seed", text(c.seed)},
            {"device", deviceChoiceName(c.device)},
            {"precision", precisionName(c.precision)},
            {"interpolate_upsampling", flag(c.interpolateUpsampling)},
            {"min_label_area_fraction", text(c.minLabelAreaFraction)},
            {"merge_regions_below_fraction", text(c.mergeRegionsBelowFraction)},
            {"standardize_input", flag(c.standardizeInput)},
            {"replicate_edges", flag(c.replicateEdges)},
            {"stable_iterations", text(c.stableIterations)},
            {"stable_change_fraction", text(c.stableChangeFraction)},
            {"refine_radius", text(c.refineRadius)},
            {"merge_colour_tolerance", text(c.mergeColourTolerance)}};
}

std::map<std::string, std::string> parameterMap(const KMeansConfig& c) {
    return {{"size", text(c.size)},           {"k", text(c.k)},       {"max_iterations", text(c.maxIterations)},
            {"tolerance", text(c.tolerance)}, {"seed", text(c.seed)}, {"device", deviceChoiceName(c.device)}};
}

const char* precisionName(Precision p) {
    switch (p) {
        case Precision::TF32: return "tf32";
        case Precision::BFloat16: return "bf16";
        case Precision::Auto: return "auto";
        default: return "fp32";
    }
}

bool parsePrecision(const std::string& s, Precision* out) {
    if (s == "fp32" || s == "float32") *out = Precision::Float32;
    else if (s == "tf32") *out = Precision::TF32;
    else if (s == "bf16" || s == "bfloat16") *out = Precision::BFloat16;
    else if (s == "auto") *out = Precision::Auto;
    else return false;
    return true;
}

}  // namespace msf
