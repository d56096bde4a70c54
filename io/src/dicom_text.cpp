#include "dicom_text.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcspchrs.h>
#include <dcmtk/dcmdata/dcstack.h>

#include <iconv.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>

namespace msf::io {

namespace {
// Calls `f(element, value)` for every text element of `ds` (those Specific Character Set applies to: PN, LO,
// SH, ST, LT, UT, UC), sequence items included, until it returns false.
template <class F>
void forEachText(DcmItem& ds, F f) {
    DcmStack stack;
    while (ds.nextObject(stack, OFTrue).good()) {
        const DcmEVR vr = stack.top()->ident();
        if (vr != EVR_PN && vr != EVR_LO && vr != EVR_SH && vr != EVR_ST && vr != EVR_LT && vr != EVR_UT && vr != EVR_UC)
            continue;
        auto* element = static_cast<DcmElement*>(stack.top());
        OFString value;
        if (element->getOFStringArray(value).good() && !f(*element, value)) return;
    }
}

// Japanese kanji and kana by code extension (ISO 2022 IR 87, IR 159: JIS X 0208 and 0212 after their escape
// sequences, back to ASCII or JIS X 0201 Roman before each delimiter) is the C library's ISO-2022-JP-2, which
// DCMTK does not map it to ("not supported by the utilized character set conversion library"): converted here,
// text by text. Half-width katakana (ISO 2022 IR 13: JIS X 0201's upper half, bytes A1-DF with no escape), which
// ISO-2022-JP-2 lacks, is U+FF61-U+FF9F in the same order, put between the runs the C library converts.
bool japaneseToUtf8(DcmItem& ds) {
    iconv_t cd = iconv_open("UTF-8", "ISO-2022-JP-2");
    if (cd == reinterpret_cast<iconv_t>(-1)) return false;
    bool all = true;
    forEachText(ds, [&](DcmElement& element, const OFString& value) {
        if (value.empty()) return true;
        std::string in(value.c_str(), value.length()), out(4 * in.size() + 16, '\0');
        char* to = out.data();
        size_t room = out.size();
        iconv(cd, nullptr, nullptr, nullptr, nullptr);  // the initial (ASCII) state for each text
        bool ok = true;
        for (size_t i = 0; ok && i < in.size();) {
            const auto byte = static_cast<unsigned char>(in[i]);
            if (byte >= 0xa1 && byte <= 0xdf) {  // a half-width katakana: 3 UTF-8 bytes of U+FF61 + (byte - A1)
                const unsigned code = 0xff61 + (byte - 0xa1);
                *to++ = static_cast<char>(0xe0 | code >> 12);
                *to++ = static_cast<char>(0x80 | (code >> 6 & 0x3f));
                *to++ = static_cast<char>(0x80 | (code & 0x3f));
                room -= 3;
                ++i;
                continue;
            }
            size_t run = i;  // up to the next katakana byte, in the shift state the run before left
            while (run < in.size() && !(static_cast<unsigned char>(in[run]) >= 0xa1 && static_cast<unsigned char>(in[run]) <= 0xdf))
                ++run;
            char* from = in.data() + i;
            size_t left = run - i;
            ok = iconv(cd, &from, &left, &to, &room) != static_cast<size_t>(-1);
            i = run;
        }
        if (!ok || iconv(cd, nullptr, nullptr, &to, &room) == static_cast<size_t>(-1)) {
            all = false;
            return true;
        }
        out.resize(out.size() - room);
        element.putOFStringArray(OFString(out.c_str(), out.size()));
        return true;
    });
    iconv_close(cd);
    if (all) ds.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
    return all;
}

// Converts every text of `ds` from `from` to UTF-8; false, with nothing converted, where the conversion does not
// know `from`.
bool converted(DcmItem& ds, const OFString& from) {
    DcmSpecificCharacterSet converter;
    if (converter.selectCharacterSet(from, "ISO_IR 192").bad()) return false;
    // Debian's DCMTK converts through the C library's iconv, which takes no flags (leaving out or
    // transliterating what it cannot map): a text it cannot convert stays as stored.
    if (ds.convertCharacterSet(converter).good()) ds.putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
    return true;
}

// The DICOM term meant by a Specific Character Set that is not one ("ISO-8859-1", "ISO_IR100", "UTF-8"), as
// vendors write them; empty when there is none.
OFString correctedCharset(const std::string& named) {
    std::string key;  // upper case, without spaces, dashes and underscores
    for (char c : named)
        if (c != ' ' && c != '-' && c != '_') key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (key == "UTF8") return "ISO_IR 192";
    if (key == "LATIN1") return "ISO_IR 100";
    static const std::map<std::string, std::string> iso8859 = {
        {"1", "100"}, {"2", "101"}, {"3", "109"}, {"4", "110"}, {"5", "144"}, {"6", "127"},
        {"7", "126"}, {"8", "138"}, {"9", "148"}, {"11", "166"}, {"15", "203"}};
    if (key.rfind("ISO8859", 0) == 0)
        if (const auto it = iso8859.find(key.substr(7)); it != iso8859.end()) return ("ISO_IR " + it->second).c_str();
    if (key.rfind("ISOIR", 0) == 0 && key.size() > 5 && std::all_of(key.begin() + 5, key.end(), ::isdigit))
        return ("ISO_IR " + key.substr(5)).c_str();
    return "";
}
}  // namespace

std::string textsToUtf8(DcmItem& ds) {
    OFString charset;
    ds.findAndGetOFStringArray(DCM_SpecificCharacterSet, charset);
    if (charset == "ISO_IR 192") return {};  // UTF-8 already
    // The default repertoire (none named, or ISO_IR 6) is ASCII, which Latin-1 leaves as it is.
    if (converted(ds, charset.empty() || charset == "ISO_IR 6" ? OFString("ISO_IR 100") : charset)) return {};
    const std::string named = charset.c_str();
    const bool japanese = named.find("ISO 2022 IR 87") != std::string::npos || named.find("ISO 2022 IR 159") != std::string::npos;
    if (japanese) {
        japaneseToUtf8(ds);
        return {};
    }
    if (named.find('\\') != std::string::npos) return {};  // other code extensions: as stored
    // A term that is not DICOM's: the one it means, else Latin-1 (as pydicom reads it). Said where a text
    // depends on it.
    if (!hasTextBeyondAscii(ds)) return {};
    const OFString meant = correctedCharset(named);
    if (!meant.empty() && converted(ds, meant))
        return "its Specific Character Set \"" + named + "\" is not a DICOM term: read as " + meant.c_str();
    converted(ds, "ISO_IR 100");
    return "its Specific Character Set \"" + named + "\" is not one the reader knows: its texts read as Latin-1";
}

bool isAscii(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool hasTextBeyondAscii(DcmItem& ds) {
    bool beyond = false;
    forEachText(ds, [&beyond](DcmElement&, const OFString& value) {
        beyond = !isAscii({value.c_str(), value.length()});
        return !beyond;
    });
    return beyond;
}

}  // namespace msf::io
