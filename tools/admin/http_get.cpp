// A minimal HTTP/1.0 client for check: one GET, only the status line read. It talks to nginx
// on this host, over TLS when site_url says https://.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <tuple>

#include "admin.h"

namespace microblog::admin {
namespace {

struct Url {
    bool tls = false;
    std::string host;  // as in the Host header
    std::string name;  // for getaddrinfo (no brackets around an IPv6 address)
    std::string port;
    std::string target;  // path and query, at least "/"
};

// http[s]://HOST[:PORT][/PATH]
std::optional<Url> parse_url(const std::string& text) {
    Url url;
    std::string rest;
    for (const auto& [scheme, tls, port] :
         {std::tuple{"http://", false, "80"}, std::tuple{"https://", true, "443"}}) {
        std::string prefix = scheme;
        if (text.compare(0, prefix.size(), prefix) == 0) {
            url.tls = tls;
            url.port = port;
            rest = text.substr(prefix.size());
        }
    }
    if (url.port.empty())
        return std::nullopt;
    size_t slash = rest.find('/');
    url.host = rest.substr(0, slash);
    url.target = slash == std::string::npos ? "/" : rest.substr(slash);
    url.name = url.host;
    size_t bracket = url.host.rfind(']');
    size_t colon = url.host.rfind(':');
    if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
        url.name = url.host.substr(0, colon);
        url.port = url.host.substr(colon + 1);
    }
    if (url.name.size() >= 2 && url.name.front() == '[' && url.name.back() == ']')
        url.name = url.name.substr(1, url.name.size() - 2);
    if (url.name.empty() || url.port.empty() ||
        url.port.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return url;
}

void set_timeouts(int fd, unsigned seconds) {
    timeval limit{static_cast<time_t>(seconds), 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
}

// Connects within `timeout`; non-blocking meanwhile, because a TCP connect ignores
// SO_SNDTIMEO. Returns -1 with `error` set when no address answers.
int connect_tcp(const Url& url, unsigned timeout, std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (int code = getaddrinfo(url.name.c_str(), url.port.c_str(), &hints, &found); code != 0) {
        error = gai_strerror(code);
        return -1;
    }
    int result = -1;
    for (addrinfo* a = found; a != nullptr && result < 0; a = a->ai_next) {
        int fd =
            socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0)
            continue;
        int code = connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
        if (code == EINPROGRESS) {
            pollfd waiting{fd, POLLOUT, 0};
            socklen_t size = sizeof code;
            code = ETIMEDOUT;
            if (poll(&waiting, 1, int(timeout * 1000)) == 1)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &size);
        }
        if (code == 0) {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            set_timeouts(fd, timeout);
            result = fd;
        } else {
            error = std::strerror(code);
            close(fd);
        }
    }
    freeaddrinfo(found);
    return result;
}

std::string tls_error() {
    unsigned long code = ERR_get_error();
    return code == 0 ? "the connection closed" : ERR_reason_error_string(code);
}

// Plain or TLS reads and writes over one connected socket.
class Channel {
  public:
    Channel(int fd, const Url& url) : fd_(fd) {
        if (!url.tls)
            return;
        context_.reset(SSL_CTX_new(TLS_client_method()));
        if (!context_)
            throw std::runtime_error("cannot set up TLS: " + tls_error());
        // The check asks whether this host's nginx serves the page, usually at 127.0.0.1,
        // which the site's certificate does not name: the certificate is not verified.
        SSL_CTX_set_verify(context_.get(), SSL_VERIFY_NONE, nullptr);
        ssl_.reset(SSL_new(context_.get()));
        if (!ssl_ || SSL_set_fd(ssl_.get(), fd) != 1)
            throw std::runtime_error("cannot set up TLS: " + tls_error());
        unsigned char address[sizeof(in6_addr)];
        bool numeric = inet_pton(AF_INET, url.name.c_str(), address) == 1 ||
                       inet_pton(AF_INET6, url.name.c_str(), address) == 1;
        if (!numeric)
            SSL_set_tlsext_host_name(ssl_.get(), url.name.c_str());
        if (SSL_connect(ssl_.get()) != 1)
            throw std::runtime_error("TLS handshake failed: " + tls_error());
    }

    bool send_all(const std::string& data) {
        if (ssl_)
            return SSL_write(ssl_.get(), data.data(), int(data.size())) == int(data.size());
        return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == ssize_t(data.size());
    }

    // Bytes read; 0 at the end, negative on an error or timeout.
    long receive(char* buffer, size_t size) {
        if (ssl_)
            return SSL_read(ssl_.get(), buffer, int(size));
        return recv(fd_, buffer, size, 0);
    }

  private:
    struct FreeContext {
        void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
    };
    struct FreeSsl {
        void operator()(SSL* s) const { SSL_free(s); }
    };
    int fd_;
    std::unique_ptr<SSL_CTX, FreeContext> context_;
    std::unique_ptr<SSL, FreeSsl> ssl_;
};

// SIGPIPE is ignored while it lives: a server closing early must not kill the check, and TLS
// writes cannot ask for MSG_NOSIGNAL.
class NoSigpipe {
  public:
    NoSigpipe() {
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &ignore, &previous_);
    }
    ~NoSigpipe() { sigaction(SIGPIPE, &previous_, nullptr); }
    NoSigpipe(const NoSigpipe&) = delete;
    NoSigpipe& operator=(const NoSigpipe&) = delete;

  private:
    struct sigaction previous_ {};
};

// "HTTP/1.1 200 OK..." -> 200; 0 for anything else.
int status_code(const std::string& head) {
    size_t space = head.find(' ');
    if (head.compare(0, 5, "HTTP/") != 0 || space == std::string::npos)
        return 0;
    return std::atoi(head.c_str() + space + 1);
}

}  // namespace

int http_get_status(const std::string& url_text, unsigned timeout, std::string& error) {
    std::optional<Url> url = parse_url(url_text);
    if (!url) {
        error = "not an http:// or https:// address";
        return 0;
    }
    NoSigpipe no_sigpipe;
    UniqueFd fd(connect_tcp(*url, timeout, error));
    if (fd.get() < 0)
        return 0;
    try {
        Channel channel(fd.get(), *url);
        std::string request = "GET " + url->target + " HTTP/1.0\r\nHost: " + url->host +
                              "\r\nUser-Agent: microblog-admin\r\nConnection: close\r\n\r\n";
        if (!channel.send_all(request))
            throw std::runtime_error(std::string("cannot send the request: ") +
                                     std::strerror(errno));
        std::string head;
        char buffer[512];
        while (head.find("\r\n") == std::string::npos && head.size() < 4096) {
            long n = channel.receive(buffer, sizeof buffer);
            if (n <= 0)
                throw std::runtime_error(n == 0 ? "the connection closed without an answer"
                                                : "no answer within the timeout");
            head.append(buffer, static_cast<size_t>(n));
        }
        if (int status = status_code(head); status != 0)
            return status;
        error = "the answer is not HTTP";
    } catch (const std::exception& e) {
        error = e.what();
    }
    return 0;
}

}  // namespace microblog::admin
