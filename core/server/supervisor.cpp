#include "core/server/supervisor.h"

#include <fcgiapp.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <thread>

#include "core/server/fastcgi_loop.h"
#include "core/server/log.h"

namespace microblog {
namespace {

// Connections waiting for a worker. A burst of far more clients than workers must queue here:
// when the queue is full nginx's connect() fails and the client gets a 502. The kernel caps it
// at net.core.somaxconn (4096 on Debian 12), as does systemd's Backlog= on a host.
constexpr int kListenBacklog = 4096;

sockaddr_un socket_address(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path)
        throw std::runtime_error("socket path too long: " + path);
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    return address;
}

}  // namespace

// Binds the listening socket. A socket file that still accepts connections belongs to a
// running twin: refuse rather than steal it (FCGX_OpenSocket would unlink it silently).
int open_listening_socket(const std::string& path) {
    sockaddr_un address = socket_address(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        throw std::runtime_error("socket() failed");
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
        close(fd);
        throw std::runtime_error("another process is already serving " + path);
    }
    unlink(path.c_str());
    // Owner and group only: nginx runs as the same user in the local stack, or shares a group.
    mode_t old_mask = umask(0117);
    int rc = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    umask(old_mask);
    if (rc != 0 || listen(fd, kListenBacklog) != 0) {
        close(fd);
        throw std::runtime_error("cannot listen on " + path + ": " + std::strerror(errno));
    }
    return fd;
}

// The listening socket systemd passed (socket activation: LISTEN_PID names this process and
// LISTEN_FDS counts the sockets from fd 3), or -1 when it passed none. systemd keeps the socket
// while the program restarts, so nginx never finds it missing.
int inherited_listening_socket() {
    constexpr int kFirstPassedFd = 3;
    const char* pid = std::getenv("LISTEN_PID");
    const char* fds = std::getenv("LISTEN_FDS");
    if (pid == nullptr || fds == nullptr || std::to_string(getpid()) != pid)
        return -1;
    if (std::string(fds) != "1")
        throw std::runtime_error("systemd passed " + std::string(fds) + " sockets; expected one");
    int accepting = 0;
    socklen_t size = sizeof accepting;
    if (getsockopt(kFirstPassedFd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &size) != 0 || !accepting)
        throw std::runtime_error("the socket systemd passed is not listening");
    // Workers inherit it by fork; programs they might exec must not.
    fcntl(kFirstPassedFd, F_SETFD, FD_CLOEXEC);
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    return kFirstPassedFd;
}

namespace {

// The parts the route's declarations need besides those its handlers name: sudo mode reads
// the session's confirmation.
unsigned implied_parts(const Route& route) {
    return route.confirmation == Confirmation::kRecent ? kNeedsAccountSessions : kNeedsNothing;
}

[[noreturn]] void run_worker(int listen_fd, const Route& route, const AppMaker& make_app,
                             const Config& config, const Renderer& renderer, pid_t supervisor) {
    // A worker must not outlive its supervisor, or a restarted stack would find it serving. A
    // supervisor that died before prctl sends no signal: then the parent is already another.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != supervisor)
        std::_Exit(0);
    // Stopping is the supervisor's call: it passes SIGTERM on.
    signal(SIGINT, SIG_IGN);
    take_sigterm_between_requests();
    FCGX_Init();
    int status = 0;
    try {
        std::unique_ptr<App> app = make_app(config, renderer, route, implied_parts(route));
        serve_requests(listen_fd, route, *app);
    } catch (const std::exception& e) {
        log_line(std::string("worker cannot run: ") + e.what());
        status = 1;
    }
    // exit, not _exit: under the sanitizers the leak check runs at exit.
    std::exit(status);
}

class Supervisor {
  public:
    Supervisor(int listen_fd, const Route& route, const AppMaker& make_app, const Config& config,
               const Renderer& renderer, int workers)
        : listen_fd_(listen_fd),
          route_(route),
          make_app_(make_app),
          config_(config),
          renderer_(renderer),
          workers_(workers) {}

    // Runs until SIGTERM or SIGINT, keeping `workers` processes alive.
    void run() {
        sigset_t signals;
        sigemptyset(&signals);
        sigaddset(&signals, SIGTERM);
        sigaddset(&signals, SIGINT);
        sigaddset(&signals, SIGCHLD);
        sigprocmask(SIG_BLOCK, &signals, nullptr);
        // Start-up (the word list's loading, say) left freed heap pages behind: give them back
        // once, so no worker starts with them counted in its memory.
        malloc_trim(0);
        top_up();
        for (;;) {
            // Short of workers (a fork failed): try again every second.
            timespec retry{1, 0};
            int sig = short_of_workers() ? sigtimedwait(&signals, nullptr, &retry)
                                         : sigwaitinfo(&signals, nullptr);
            if (sig == SIGTERM || sig == SIGINT)
                break;
            if (sig == SIGCHLD)
                reap();
            top_up();
        }
        stop_all();
    }

  private:
    using Clock = std::chrono::steady_clock;
    // Under the unit's TimeoutStopSec (15 s), so the supervisor, not systemd, ends a stuck worker.
    static constexpr std::chrono::seconds kStopDeadline{5};

    bool short_of_workers() const { return started_.size() < size_t(workers_); }

    // Starts workers until there are `workers_`; a failed fork (out of processes or memory) is
    // logged once per round and tried again by run() a second later.
    void top_up() {
        const pid_t supervisor = getpid();
        while (short_of_workers()) {
            pid_t pid = fork();
            if (pid < 0) {
                log_line(std::string("cannot start a worker (fork: ") + std::strerror(errno) +
                         "); trying again in a second");
                return;
            }
            if (pid == 0)
                run_worker(listen_fd_, route_, make_app_, config_, renderer_, supervisor);
            started_[pid] = Clock::now();
        }
    }

    void reap() {
        int status = 0;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            auto lived = Clock::now() - started_[pid];
            started_.erase(pid);
            log_line("worker " + std::to_string(pid) + " exited (" + describe(status) +
                     "); restarting");
            // A worker that dies at once would otherwise be restarted in a tight loop.
            if (lived < std::chrono::seconds(1))
                std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    }

    void stop_all() {
        for (const auto& [pid, started] : started_)
            kill(pid, SIGTERM);
        auto deadline = Clock::now() + kStopDeadline;
        while (!started_.empty() && Clock::now() < deadline) {
            pid_t pid = waitpid(-1, nullptr, WNOHANG);
            if (pid > 0) {
                started_.erase(pid);
            } else {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        }
        for (const auto& [pid, started] : started_) {
            log_line("worker " + std::to_string(pid) + " did not stop within " +
                     std::to_string(kStopDeadline.count()) + " s; killing it");
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    }

    static std::string describe(int status) {
        if (WIFSIGNALED(status))
            return "signal " + std::to_string(WTERMSIG(status));
        return "status " + std::to_string(WEXITSTATUS(status));
    }

    int listen_fd_;
    const Route& route_;
    const AppMaker& make_app_;
    const Config& config_;
    const Renderer& renderer_;
    int workers_;
    std::map<pid_t, Clock::time_point> started_;
};

}  // namespace

void supervise(int listen_fd, const Route& route, const AppMaker& make_app, const Config& config,
               const Renderer& renderer, int workers) {
    Supervisor(listen_fd, route, make_app, config, renderer, workers).run();
}

}  // namespace microblog
