#pragma once
// The loaders read files: each input is written to a per-process temporary file
// with the extension that selects the loader under test.
#include <unistd.h>

#include <cstdio>
#include <string>

inline std::string writeFuzzInput(const uint8_t* data, size_t size, const char* extension) {
    static const std::string path = "/tmp/msformer-fuzz-" + std::to_string(::getpid()) + extension;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return {};
    std::fwrite(data, 1, size, f);
    std::fclose(f);
    return path;
}
