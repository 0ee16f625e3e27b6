// listen-sockets: binds Unix sockets and runs a command that holds them. deploy/run-local.sh
// runs itself through it, so each route's socket outlives the program serving it, as systemd's
// socket units do on a host: a program that restarts finds its connections waiting in the queue.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>

namespace {

constexpr const char* kUsage =
    "usage: listen-sockets FIRST_FD SOCKET_PATH... -- COMMAND [ARG...]\n";
// As in core/server/supervisor.cpp: a burst of far more clients than workers queues instead of
// failing.
constexpr int kListenBacklog = 4096;

// A listening socket at `path` (whatever was there is replaced), readable and writable by the
// owner and group only.
int listen_at(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) {
        std::cerr << "listen-sockets: socket path too long: " << path << "\n";
        return -1;
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    unlink(path.c_str());
    mode_t old_mask = umask(0117);
    bool bound = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                 listen(fd, kListenBacklog) == 0;
    umask(old_mask);
    if (!bound) {
        std::cerr << "listen-sockets: cannot listen on " << path << ": " << std::strerror(errno)
                  << "\n";
        return -1;
    }
    return fd;
}

// 3 to 255, digits only.
int fd_number(const std::string& text) {
    if (text.empty() || text.size() > 3 ||
        text.find_first_not_of("0123456789") != std::string::npos)
        return -1;
    int fd = std::stoi(text);
    return fd >= 3 && fd <= 255 ? fd : -1;
}

}  // namespace

int main(int argc, char** argv) {
    int separator = 2;
    while (separator < argc && std::string(argv[separator]) != "--")
        ++separator;
    int first_fd = argc > 1 ? fd_number(argv[1]) : -1;
    if (first_fd < 0 || separator >= argc - 1) {
        std::cerr << kUsage;
        return 2;
    }
    for (int i = 2; i < separator; ++i) {
        int fd = listen_at(argv[i]);
        int wanted = first_fd + (i - 2);
        if (fd < 0)
            return 1;
        if (fd != wanted && (dup2(fd, wanted) < 0 || close(fd) != 0)) {
            std::cerr << "listen-sockets: cannot move a socket to fd " << wanted << "\n";
            return 1;
        }
    }
    execvp(argv[separator + 1], argv + separator + 1);
    std::cerr << "listen-sockets: cannot run " << argv[separator + 1] << ": "
              << std::strerror(errno) << "\n";
    return 127;
}
