#pragma once
#include "msformer/segmenter.h"

// One line per iteration on stderr: iteration, losses, label count, ms.
msf::IterationObserver progressPrinter(bool enabled, int maxIterations);
