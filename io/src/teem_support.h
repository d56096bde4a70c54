#pragma once
// What the NRRD reader and writer share of Teem: its process-wide error store, used one call at a time.
#include <mutex>
#include <string>

namespace msf::io {

// Held around every Teem call: biff's error messages (and nrrdState) live in one process-wide store.
std::mutex& teemMutex();

// biff's report of a failed NRRD read or write, most specific line last; the last line without its
// "[nrrd] function:" prefix says what was wrong ("unreadable" when biff holds nothing).
std::string teemProblem();

}  // namespace msf::io
