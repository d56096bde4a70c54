#include "progress_printer.h"

#include <cstdio>

msf::IterationObserver progressPrinter(bool enabled, int maxIterations) {
    if (!enabled) return {};
    return [maxIterations](const msf::IterationStats& s, const msf::LabelMap&) {
        std::fprintf(stderr, "  iter %3d/%d  loss %.4f (ce %.4f inter %.4f intra %.4f)  labels %3d  %7.1f ms\n",
                     s.iteration, maxIterations, s.lossTotal, s.lossCe, s.lossInter, s.lossIntra, s.labelCount,
                     s.milliseconds);
        return true;
    };
}
