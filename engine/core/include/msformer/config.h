#pragma once
// Every number of the method, with the published defaults (see docs/method.md).
#include <cstdint>
#include <map>
#include <string>

namespace msf {

enum class DeviceChoice { Auto, Cpu, Cuda };

// Arithmetic of the network's matrix products and convolutions (normalisations,
// softmaxes, losses, parameters and the optimiser stay float32):
// Float32; TF32 (CUDA tensor cores, 10-bit mantissa inputs; the CPU computes
// float32, so on the CPU it is Float32 exactly); BFloat16 (autocast: bfloat16
// inputs, float32 accumulation, on either device). TF32 and BFloat16 change
// CUDA's label maps about as much as float reordering does
// (docs/benchmarks.md, "GPU"). Auto: TF32 on CUDA; on the CPU BFloat16 where
// it computes bfloat16 natively (AVX512-BF16 or AMX), else Float32.
enum class Precision { Auto, Float32, TF32, BFloat16 };

struct LossWeights {
    double ce = 1.0;     // lambda1
    double inter = 2.0;  // lambda2
    double intra = 1.2;  // lambda3
};

struct MsFormerConfig {
    // Input
    int size = 257;            // working size S (S x S)
    // Network
    int embedDim = 100;        // D (= K in the published code: nChannel)
    int clusters = 100;        // K output channels
    int blocks = 2;            // efficient transformer blocks per branch
    int ffnRatio = 4;          // FFN hidden = ffnRatio * D
    int largeStride = 2;       // patch size of the large branch
    // Intra-scale head
    int intraShift = 1;        // 1 = published code, 2 = paper text
    int intraPatch = 32;       // patch side for the intra-scale tokens
    double intraTemperature = 8.0;  // softmax(A1 A2^T / t)
    // Losses
    LossWeights weights;
    bool useCe = true;
    bool useInter = true;
    bool useIntra = true;
    // Optimisation
    int maxIterations = 50;
    int minLabels = 3;         // early stop when distinct labels <= minLabels
    double learningRate = 0.1;
    double momentum = 0.9;
    // Runtime
    uint64_t seed = 0;
    DeviceChoice device = DeviceChoice::Auto;
    int threads = 0;           // 0: every core this process may use
    // Run the literal NCHW transcription of the network instead of the
    // token-layout one (same parameters and results, slower; for comparisons).
    bool referenceImplementation = false;
    // Activation checkpointing: each small-branch transformer block keeps
    // only its input for the backward pass and runs its forward again there.
    // Same arithmetic, same results; at S = 257 the most live tensor memory
    // goes from 2074 to about 1240 MB for about 15% more compute. CPU only.
    bool recomputeActivations = true;
    // On CUDA, record one iteration as a CUDA graph after two eager ones and
    // replay it (same arithmetic, far fewer CPU-side launches).
    bool cudaGraphs = true;
    // TF32: about 18% less time per iteration than Float32 on an H100, and
    // what cuDNN's convolutions use by default in LibTorch (and PyTorch
    // 1.7-1.11's matrix products did) on such GPUs; float32 on the CPU.
    // interactiveConfig() uses Auto.
    Precision precision = Precision::TF32;

    // --- Departures from the published method (off here; on in interactiveDefaults()) ---
    // Large-branch upsampling: false = Linear(D -> 4D) + pixel shuffle (published;
    // each of the 4 sub-pixel phases gets its own feature, which shows as a
    // checkerboard in flat regions); true = bilinear x2, then a 1x1 projection.
    bool interpolateUpsampling = false;
    // Labels smaller than this fraction of S*S do not count towards minLabels.
    double minLabelAreaFraction = 0.0;
    // Connected regions smaller than this fraction of the image are merged into
    // their surroundings in every map the segmenter returns (0 = off).
    double mergeRegionsBelowFraction = 0.0;
    // Input scaled to zero mean and unit variance (over all pixels and channels)
    // instead of [0, 1], so CT windows and photos look alike to the network.
    bool standardizeInput = false;
    // The patch embeddings pad the image by repeating its edge pixels instead
    // of with zeros: a standardised input's 0 is its mean grey, so zero padding
    // draws a bright frame around a dark background, which the network learns
    // as a label of its own along the image's edges.
    bool replicateEdges = false;
    // Also stop once the pseudo-labels have changed on fewer than
    // `stableChangeFraction` of the pixels for `stableIterations` consecutive
    // iterations (0 = off): the map has settled even if it keeps > minLabels labels.
    int stableIterations = 0;
    double stableChangeFraction = 0.002;
    // Snap the original-size map's boundaries to the image (refineBoundaries),
    // moving them by at most this many working-size pixels (0 = off).
    int refineRadius = 0;
    // Before refining, touching labels whose mean colours differ by less than
    // this (image units, [0, 1]) are merged (mergeSimilarNeighbours).
    double mergeColourTolerance = 0.02;

    // Empty when valid, else a sentence naming the bad parameter.
    std::string validate() const;
};

// The published method exactly (the struct's own defaults).
MsFormerConfig faithfulConfig();
// The interactive default mode of the app and CLI: MS-Former's network and
// losses with the departures above switched on and a smaller working size
// (docs/method.md, "Default mode", gives the measurements behind each).
MsFormerConfig interactiveConfig();

struct KMeansConfig {
    int size = 257;           // same working size as MS-Former
    int k = 3;                // 3 for skin, 2 for lung in the paper
    int maxIterations = 100;
    double tolerance = 1e-6;  // stop when centres move less than this (squared)
    uint64_t seed = 0;
    DeviceChoice device = DeviceChoice::Auto;

    std::string validate() const;
};

// Every parameter that shapes the result, as text under snake_case names
// (provenance sidecars, eval's JSON). Device and precision as configured (auto
// unresolved); SegmentationResult::parameters has what a run used. Left out:
// threads and the switches documented as not changing the arithmetic
// (referenceImplementation, recomputeActivations, cudaGraphs).
std::map<std::string, std::string> parameterMap(const MsFormerConfig& config);
std::map<std::string, std::string> parameterMap(const KMeansConfig& config);

const char* deviceChoiceName(DeviceChoice d);
bool parseDeviceChoice(const std::string& s, DeviceChoice* out);
const char* precisionName(Precision p);                        // auto, fp32, tf32, bf16
bool parsePrecision(const std::string& s, Precision* out);     // the names above

}  // namespace msf
