#pragma once
#include <stdexcept>
#include <string>

namespace msf::io {

// Every read or write failure: the message names the file and the problem.
class IoError : public std::runtime_error {
public:
    IoError(const std::string& path, const std::string& problem);
    const std::string& path() const { return path_; }
    const std::string& problem() const { return problem_; }
private:
    std::string path_, problem_;
};

}  // namespace msf::io
