#pragma once
// DCMTK's process-wide set-up, done once before any DICOM file is parsed:
// its own log quiet (problems reach the user as IoError messages naming the
// file) and the decoders of the free codecs (JPEG, JPEG-LS, RLE) registered.
namespace msf::io {
void setUpDcmtk();
}
