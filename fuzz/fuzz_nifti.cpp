// libFuzzer target: msf::io::readNifti must return an image or throw IoError, never crash.
#include "fuzz_input_file.h"
#include "msformer/io/nifti_io.h"
#include "msformer/io/image.h"
#include "msformer/io/io_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = writeFuzzInput(data, size, ".nii");
    try {
        const msf::io::Image img = msf::io::readNifti(path);
        if (!img.frames.empty()) (void)msf::io::normalizedForSegmentation(img);
    } catch (const msf::io::IoError&) {
    }
    return 0;
}
