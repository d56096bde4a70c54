#include "msformer/io/target_name.h"

namespace msf::io {

std::string cleanTargetName(const std::string& name) {
    std::string kept;
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || c == '\\') continue;
        kept += c;
    }
    const size_t first = kept.find_first_not_of(' '), last = kept.find_last_not_of(' ');
    kept = first == std::string::npos ? std::string() : kept.substr(first, last - first + 1);
    // 64 characters, counted as UTF-8 characters (continuation bytes are 10xxxxxx).
    size_t chars = 0, end = 0;
    for (; end < kept.size(); ++end)
        if ((static_cast<unsigned char>(kept[end]) & 0xC0) != 0x80 && ++chars > 64) break;
    kept.resize(end);
    while (!kept.empty() && kept.back() == ' ') kept.pop_back();
    return kept.empty() ? "target" : kept;
}

}  // namespace msf::io
