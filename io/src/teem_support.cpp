#include "teem_support.h"

#include <teem/nrrd.h>

#include <cstdlib>
#include <sstream>
#include <vector>

namespace msf::io {

std::mutex& teemMutex() {
    static std::mutex m;
    return m;
}

std::string teemProblem() {
    char* text = biffGetDone(NRRD);
    std::string all = text ? text : "";
    free(text);
    std::vector<std::string> lines;
    std::istringstream in(all);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
    if (lines.empty()) return "unreadable";
    std::string last = lines.back();
    if (const size_t at = last.find(": "); last.rfind("[nrrd]", 0) == 0 && at != std::string::npos) last = last.substr(at + 2);
    while (!last.empty() && (last.back() == '\n' || last.back() == ' ')) last.pop_back();
    return last;
}

}  // namespace msf::io
