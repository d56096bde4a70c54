#pragma once
// A PNG file's bytes, written chunk by chunk: fixtures OpenCV's encoder cannot make (grey with alpha, a palette
// with transparent entries, an eXIf chunk). Rows are given unfiltered, as the samples' bytes.

#include <zlib.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace png_bytes {

inline std::string bigEndian32(uint32_t v) {
    return {char(v >> 24), char(v >> 16 & 0xff), char(v >> 8 & 0xff), char(v & 0xff)};
}

inline std::string chunk(const std::string& type, const std::string& data) {
    const std::string typed = type + data;
    const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(typed.data()), static_cast<uInt>(typed.size()));
    return bigEndian32(static_cast<uint32_t>(data.size())) + typed + bigEndian32(static_cast<uint32_t>(crc));
}

// colourType: 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA; `before` are chunks written before IDAT.
inline std::string file(uint32_t width, uint32_t height, int bitDepth, int colourType,
                        const std::vector<std::string>& rows, const std::vector<std::pair<std::string, std::string>>& before = {}) {
    std::string ihdr = bigEndian32(width) + bigEndian32(height);
    ihdr += {char(bitDepth), char(colourType), 0, 0, 0};
    std::string raw;
    for (const std::string& row : rows) raw += '\0' + row;  // filter type 0 (none)
    uLongf size = compressBound(static_cast<uLong>(raw.size()));
    std::string packed(size, '\0');
    compress(reinterpret_cast<Bytef*>(packed.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
             static_cast<uLong>(raw.size()));
    packed.resize(size);
    std::string out("\x89PNG\r\n\x1a\n", 8);
    out += chunk("IHDR", ihdr);
    for (const auto& [type, data] : before) out += chunk(type, data);
    return out + chunk("IDAT", packed) + chunk("IEND", "");
}

}  // namespace png_bytes
