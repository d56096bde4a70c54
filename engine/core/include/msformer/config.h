#pragma once
// Every number of the method, with the published defaults (see docs/method.md).
#include <cstdint>
#include <string>

namespace msf {

enum class DeviceChoice { Auto, Cpu, Cuda };

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

    // Empty when valid, else a sentence naming the bad parameter.
    std::string validate() const;
};

struct KMeansConfig {
    int size = 257;           // same working size as MS-Former
    int k = 3;                // 3 for skin, 2 for lung in the paper
    int maxIterations = 100;
    double tolerance = 1e-6;  // stop when centres move less than this (squared)
    uint64_t seed = 0;
    DeviceChoice device = DeviceChoice::Auto;

    std::string validate() const;
};

const char* deviceChoiceName(DeviceChoice d);
bool parseDeviceChoice(const std::string& s, DeviceChoice* out);

}  // namespace msf
