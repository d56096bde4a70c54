#include "msformer/io/atomic_write.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "msformer/io/io_error.h"

namespace msf::io {

namespace fs = std::filesystem;

void checkWritable(const std::string& path, bool overwrite) {
    std::error_code ec;
    if (!overwrite && fs::exists(path, ec))
        throw IoError(path, "already exists (not overwritten; pass --force to replace it)");
}

std::string temporaryPathBeside(const std::string& path, const std::string& suffix) {
    const fs::path target(path);
    return (target.parent_path() / ("." + target.filename().string() + "." + std::to_string(::getpid()) + suffix))
        .string();
}

void writeFileAtomic(const std::string& path, const std::vector<unsigned char>& bytes, bool overwrite) {
    checkWritable(path, overwrite);
    const fs::path target(path);
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string tmpl = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
    const int fd = mkstemp(tmpl.data());
    if (fd < 0) throw IoError(path, std::string("cannot create a file in its folder: ") + std::strerror(errno));
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            const std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(tmpl.c_str());
            throw IoError(path, "write failed: " + why);
        }
        done += static_cast<size_t>(n);
    }
    fchmod(fd, 0644);
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmpl.c_str());
        throw IoError(path, "write failed: " + why);
    }
    moveIntoPlace(tmpl, path, overwrite);
}

void moveIntoPlace(const std::string& tmp, const std::string& path, bool overwrite) {
    // Without overwrite, link() fails if the target appeared meanwhile.
    const int rc = overwrite ? ::rename(tmp.c_str(), path.c_str()) : ::link(tmp.c_str(), path.c_str());
    const int err = errno;
    if (!overwrite || rc != 0) ::unlink(tmp.c_str());
    if (rc != 0) {
        if (err == EEXIST) throw IoError(path, "already exists (not overwritten; pass --force to replace it)");
        throw IoError(path, std::string("cannot move the finished file into place: ") + std::strerror(err));
    }
}

}  // namespace msf::io
