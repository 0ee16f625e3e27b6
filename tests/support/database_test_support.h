// What the C++ database tests share: the private stack's configuration (tests/support/
// with_stack.py names it in MICROBLOG_TEST_CONFIG) and a port where connecting is refused.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "core/server/config.h"

namespace microblog::test_support {

inline const Config& stack_config() {
    static const Config config = [] {
        const char* path = std::getenv("MICROBLOG_TEST_CONFIG");
        if (path == nullptr)
            throw std::runtime_error("MICROBLOG_TEST_CONFIG is not set: run under with_stack.py");
        return load_config(path);
    }();
    return config;
}

// A port on the loopback addresses where nothing listens: connecting is refused at once.
class RefusingPort {
  public:
    RefusingPort() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_ANY);
        socklen_t size = sizeof address;
        if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
            getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0)
            throw std::runtime_error("cannot reserve a port");
        port_ = ntohs(address.sin_port);
    }
    ~RefusingPort() { close(fd_); }
    RefusingPort(const RefusingPort&) = delete;
    RefusingPort& operator=(const RefusingPort&) = delete;
    unsigned port() const { return port_; }

  private:
    int fd_;
    unsigned port_ = 0;
};

}  // namespace microblog::test_support
