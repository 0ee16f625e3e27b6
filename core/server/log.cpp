// Logging to stderr, one write per line so lines from several workers never interleave.
#include "core/server/log.h"

#include <unistd.h>

#include <string>

namespace microblog {
namespace {
std::string program = "microblog";
}

void set_log_name(std::string_view program_name) {
    program = program_name;
}

void log_line(std::string_view message) {
    std::string line = program + "[" + std::to_string(getpid()) + "]: ";
    for (char c : message)
        line += (c == '\n' || c == '\r') ? ' ' : c;
    line += '\n';
    ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
}

}  // namespace microblog
