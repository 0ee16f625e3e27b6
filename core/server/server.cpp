// Socket, worker supervision and the per-request loop.
#include "core/server/server.h"

#include <fcgiapp.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>

#include "core/accounts/account_rules.h"
#include "core/http/encoding.h"
#include "core/http/http_error.h"
#include "core/http/next_url.h"
#include "core/server/log.h"

namespace microblog {
namespace {

// Connections waiting for a worker. A burst of far more clients than workers must queue here:
// when the queue is full nginx's connect() fails and the client gets a 502. The kernel caps it
// at net.core.somaxconn (4096 on Debian 12), as does systemd's Backlog= on a host.
constexpr int kListenBacklog = 4096;

struct Options {
    std::string config_path;
    std::string socket_path;  // empty: the socket comes from systemd
    int workers = 0;          // 0: as the configuration says
};

// Digits only: std::stoi would take "5x" as 5 and report "abc" as just "stoi".
int parse_worker_count(const std::string& value) {
    bool digits =
        !value.empty() && value.size() <= 3 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    int count = digits ? std::stoi(value) : 0;
    if (count < 1 || count > 256)
        throw std::runtime_error("--workers must be a number from 1 to 256, not '" + value + "'");
    return count;
}

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (i + 1 >= argc)
            throw std::runtime_error("missing value after " + arg);
        std::string value = argv[++i];
        if (arg == "--config") {
            options.config_path = value;
        } else if (arg == "--socket") {
            options.socket_path = value;
        } else if (arg == "--workers") {
            options.workers = parse_worker_count(value);
        } else {
            throw std::runtime_error("unknown option " + arg);
        }
    }
    if (options.config_path.empty())
        throw std::runtime_error("usage: PROGRAM --config FILE [--socket PATH] [--workers N]");
    return options;
}

sockaddr_un socket_address(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path)
        throw std::runtime_error("socket path too long: " + path);
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    return address;
}

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

bool allowed_method(const Route& route, const std::string& method) {
    return route.methods.empty() ||
           std::find(route.methods.begin(), route.methods.end(), method) != route.methods.end();
}

std::string join(const std::vector<std::string>& items, const char* separator) {
    std::string out;
    for (const std::string& item : items)
        out += (out.empty() ? "" : separator) + item;
    return out;
}

Request::Params read_params(const FCGX_Request& fcgi) {
    Request::Params params;
    for (char** env = fcgi.envp; env != nullptr && *env != nullptr; ++env) {
        const char* eq = std::strchr(*env, '=');
        if (eq == nullptr)
            continue;
        // The first of duplicated names wins, as FCGX_GetParam would have it.
        params.emplace(std::string(*env, static_cast<size_t>(eq - *env)), std::string(eq + 1));
    }
    return params;
}

// Reads the body after checking its declared length; a body shorter than declared is a 400.
std::string read_body(FCGX_Request& fcgi, const Request::Params& params) {
    auto get = [&](const char* name) {
        auto it = params.find(name);
        return it == params.end() ? std::string() : it->second;
    };
    size_t length = checked_body_length(get("REQUEST_METHOD"), get("CONTENT_TYPE"),
                                        get("CONTENT_LENGTH"), kMaxBodyBytes);
    std::string body(length, '\0');
    size_t got = 0;
    while (got < length) {
        int n = FCGX_GetStr(body.data() + got, static_cast<int>(length - got), fcgi.in);
        if (n <= 0)
            throw HttpError(400, "The request ended before its body did.");
        got += static_cast<size_t>(n);
    }
    return body;
}

// Reads the request's input to its end (what a refused body left, and the record that ends the
// input). Closing a unix socket with unread data resets the connection, and nginx would lose the
// answer already written (a 502). nginx bounds the body (client_max_body_size), so this ends.
void discard_unread_input(FCGX_Request& fcgi) {
    char sink[4096];
    while (FCGX_GetStr(sink, sizeof sink, fcgi.in) > 0) {
    }
}

Response plain_error(int status) {
    // Only when the error page itself cannot be rendered: no template, no details.
    Response response =
        Response::html(status, std::string("<!DOCTYPE html><title>Error</title><p>") +
                                   reason_phrase(status) + "</p>\n");
    return response;
}

// Reads, handles and answers one request. Whatever fails, the client gets a response: the
// worker never dies over one request.
void answer(FCGX_Request& fcgi, const Route& route, App& app) {
    Request::Params params = read_params(fcgi);
    Response response = plain_error(500);
    try {
        std::string body = read_body(fcgi, params);
        Request request(std::move(params), std::move(body));
        response = handle_request(route, app, request);
    } catch (const HttpError& e) {
        // The request could not even be parsed: answer without a visitor's context.
        try {
            response = app.error_page(Request({}, ""), e.status(), e.what());
        } catch (const std::exception& inner) {
            log_line(std::string("cannot render error page: ") + inner.what());
            response = plain_error(e.status());
        }
    } catch (const std::exception& e) {
        // handle_request turns every failure into a page; only rendering that page can land here.
        log_line(std::string("cannot render error page: ") + e.what());
    }
    std::string out = response.serialize();
    // nginx gone (its client left, or it timed out): nothing more to do for this request.
    if (FCGX_PutStr(out.data(), static_cast<int>(out.size()), fcgi.out) < 0) {
        log_line("the answer could not be written: nginx closed the connection");
        return;
    }
    discard_unread_input(fcgi);
}

volatile sig_atomic_t stop_requested = 0;

void request_stop(int) {
    stop_requested = 1;
}

// A SIGTERM that came during a request waits, blocked, until the worker is between requests.
bool stop_pending() {
    sigset_t pending;
    sigpending(&pending);
    return sigismember(&pending, SIGTERM) == 1;
}

// Waits until a connection is ready or SIGTERM arrives. SIGTERM is blocked everywhere else in a
// worker, so it never interrupts a request in hand: it is taken here, between requests. ppoll
// reports a ready connection before a pending signal, so under steady load (a queue that is never
// empty) the pending stop is looked for first, or the worker would serve on until killed.
bool wait_for_connection(int listen_fd, const sigset_t& while_waiting) {
    pollfd ready{listen_fd, POLLIN, 0};
    while (!stop_requested && !stop_pending()) {
        if (ppoll(&ready, 1, nullptr, &while_waiting) > 0)
            return true;
    }
    return false;
}

void serve_requests(int listen_fd, const Route& route, App& app) {
    try {
        app.db().connect();
    } catch (const DatabaseUnavailable& e) {
        // Requests will retry; the worker stays up so nginx never sees a missing backend.
        log_line(e.what());
    }
    sigset_t while_waiting;
    sigprocmask(SIG_SETMASK, nullptr, &while_waiting);
    sigdelset(&while_waiting, SIGTERM);
    FCGX_Request fcgi;
    FCGX_InitRequest(&fcgi, listen_fd, 0);
    while (wait_for_connection(listen_fd, while_waiting)) {
        int accepted = FCGX_Accept_r(&fcgi);
        // Every idle worker wakes for a connection and one takes it; the listening socket is
        // non-blocking, so the others are back waiting where SIGTERM reaches them.
        if (accepted == -EAGAIN || accepted == -EWOULDBLOCK)
            continue;
        if (accepted < 0)
            break;
        answer(fcgi, route, app);
        // Left attached, libfcgi shuts its end and sleeps until nginx closes the other, one more
        // wake-up per request before the worker may accept the next. nginx has the whole answer
        // by then and a unix socket loses nothing on close, so a plain close is enough.
        FCGX_Detach(&fcgi);
        FCGX_Finish_r(&fcgi);
    }
}

// What the route declared, and what its declarations imply.
unsigned needs_of(const Route& route) {
    unsigned needs = route.needs;
    if (route.confirmation == Confirmation::kRecent)
        needs |= kNeedsAccountSessions;
    return needs;
}

[[noreturn]] void run_worker(int listen_fd, const Route& route, const Config& config,
                             const Renderer& renderer, pid_t supervisor) {
    // A worker must not outlive its supervisor, or a restarted stack would find it serving. A
    // supervisor that died before prctl sends no signal: then the parent is already another.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != supervisor)
        std::_Exit(0);
    struct sigaction on_term {};
    on_term.sa_handler = request_stop;
    sigemptyset(&on_term.sa_mask);
    sigaction(SIGTERM, &on_term, nullptr);
    // Stopping is the supervisor's call: it passes SIGTERM on.
    signal(SIGINT, SIG_IGN);
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigprocmask(SIG_SETMASK, &blocked, nullptr);
    FCGX_Init();
    int status = 0;
    try {
        App app(config, renderer, route.companion, needs_of(route));
        serve_requests(listen_fd, route, app);
    } catch (const std::exception& e) {
        log_line(std::string("worker cannot run: ") + e.what());
        status = 1;
    }
    // exit, not _exit: under the sanitizers the leak check runs at exit.
    std::exit(status);
}

class Supervisor {
  public:
    Supervisor(int listen_fd, const Route& route, const Config& config, const Renderer& renderer,
               int workers)
        : listen_fd_(listen_fd),
          route_(route),
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
                run_worker(listen_fd_, route_, config_, renderer_, supervisor);
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
    const Config& config_;
    const Renderer& renderer_;
    int workers_;
    std::map<pid_t, Clock::time_point> started_;
};

}  // namespace

namespace {

// Whether a POST comes from a page of another site, as the browser says in Sec-Fetch-Site or
// Origin. Checked beside the CSRF token, so that a leaked token alone is not enough. Clients that
// send neither (older browsers, scripts) are judged by the token alone.
bool sent_from_another_site(const Request& request, bool https) {
    std::string fetch_site = request.param("HTTP_SEC_FETCH_SITE");
    // "same-site" is a sibling host, which on shared hosting may be anyone's.
    if (!fetch_site.empty() && fetch_site != "same-origin" && fetch_site != "none")
        return true;
    std::string origin = request.param("HTTP_ORIGIN");
    if (origin.empty())
        return false;
    return origin != (https ? "https://" : "http://") + request.param("HTTP_HOST");
}

// The login view, coming back to this page afterwards, as nginx's @login sends a visitor
// (nginx/microblog.conf) when a location lacks nginx/protected-page.conf.
std::string login_url(const Request& request) {
    const std::string page = request.param("REQUEST_URI");
    return is_safe_next(page) ? "/login?next=" + url_encode_component(page) : "/login";
}

// The password confirmation page, coming back to this page afterwards. A POST comes back to the
// page's form (its path without the query), so that an action is never taken without being
// asked for again.
std::string confirmation_url(const Request& request) {
    const std::string page =
        request.param(request.method() == "POST" ? "DOCUMENT_URI" : "REQUEST_URI");
    return is_safe_next(page) ? "/confirm?next=" + url_encode_component(page) : "/confirm";
}

// The route's declared preconditions, checked in order; a response when one is not met.
std::optional<Response> refuse(const Route& route, App& app, const Request& request) {
    bool signed_in = request.identity().signed_in();
    const bool behind_nginx_check = request.param("MICROBLOG_SIGN_IN") == "required";
    if (!signed_in && (route.audience == Audience::kSignedIn || behind_nginx_check)) {
        // nginx turns a 401 into its redirect to the login view (nginx/protected-page.conf);
        // a location without that include gets the same redirect from here.
        if (behind_nginx_check)
            return app.error_page(request, 401, "Please log in to access this page.");
        return app.redirect_with_flash(login_url(request), "Please log in to access this page.");
    }
    if (!allowed_method(route, request.method())) {
        Response response = app.error_page(request, 405, "This page does not accept that method.");
        response.set_header("Allow", join(route.methods, ", "));
        return response;
    }
    if (signed_in && route.audience == Audience::kVisitors)
        return Response::redirect("/index");
    if (!signed_in && route.audience == Audience::kSession)
        return Response::redirect("/index");
    if (request.method() == "POST" && sent_from_another_site(request, app.config().https))
        return app.error_page(request, 403, "This form was sent from another site.");
    if (route.csrf == Csrf::kRequiredOnPost && request.method() == "POST" &&
        !app.csrf_token_valid(request, request.field("csrf_token"))) {
        if (route.expired_form)
            return route.expired_form(request, app);
        return app.error_page(request, 400,
                              "This form has expired. Please reload the page and try again.");
    }
    if (route.confirmation == Confirmation::kRecent && signed_in &&
        !app.account_sessions().confirmed_recently(request.identity().session_key))
        return Response::redirect(confirmation_url(request));
    return std::nullopt;
}

// A session cookie signed with a previous key is signed again with the current one, unless the
// route set or cleared that cookie itself (signing out).
void renew_session_cookie(App& app, const Request& request, Response& response) {
    const std::string& renewed = request.identity().renewed_cookie;
    if (renewed.empty())
        return;
    const std::string prefix = app.cookies().name(kSessionCookie) + "=";
    for (const std::string& cookie : response.headers("Set-Cookie")) {
        if (cookie.compare(0, prefix.size(), prefix) == 0)
            return;
    }
    response.set_header("Set-Cookie", renewed);
}

}  // namespace

namespace {
// On a page that requires sign-in, a 401 (no live session, or one that ended during the
// request) becomes nginx's redirect to the login view (nginx/protected-page.conf).
Response to_sign_in_if_refused(const Request& request, Response response) {
    if (response.status() == 401 && request.param("MICROBLOG_SIGN_IN") == "required")
        return Response::to_nginx(401, "@login");
    return response;
}

// The route's preconditions, then its handler; every failure turned into a page.
Response handle_request_as_declared(const Route& route, App& app, Request& request) {
    try {
        app.identify(request);
        if (std::optional<Response> refusal = refuse(route, app, request))
            return *refusal;
        Response response = route.handle(request, app);
        renew_session_cookie(app, request, response);
        return response;
    } catch (const HttpError& e) {
        return app.error_page(request, e.status(), e.what());
    } catch (const DatabaseUnavailable& e) {
        if (!e.already_logged())
            log_line(e.what());
        return app.error_page(request, 503,
                              "The site is having trouble right now. Please try again shortly.");
    } catch (const std::exception& e) {
        log_line(std::string("error: ") + e.what());
        return app.error_page(request, 500, "Something went wrong on our side. Please try again.");
    }
}

}  // namespace

Response handle_request(const Route& route, App& app, Request& request) {
    return to_sign_in_if_refused(request, handle_request_as_declared(route, app, request));
}

namespace {

std::string audience_name(Audience audience) {
    switch (audience) {
        case Audience::kAnyone:
            return "anyone";
        case Audience::kVisitors:
            return "visitors";
        case Audience::kSignedIn:
            return "signed-in";
        case Audience::kSession:
            return "session";
    }
    return "?";
}

// The row as `key values...` lines, for the test that checks nginx/microblog.conf against it.
void describe(const Route& route) {
    std::cout << "name " << route.name << "\n"
              << "paths " << join(route.paths, " ") << "\n"
              << "methods " << join(route.methods, " ") << "\n"
              << "audience " << audience_name(route.audience) << "\n"
              << "csrf " << (route.csrf == Csrf::kRequiredOnPost ? "required-on-post" : "none")
              << "\n"
              << "confirmation "
              << (route.confirmation == Confirmation::kRecent ? "recent" : "none") << "\n"
              << "rate_limit " << route.rate_limit << "\n"
              << "templates " << join(route.templates, " ") << "\n";
}

}  // namespace

int serve(int argc, char** argv, const Route& route) {
    if (argc == 2 && std::string_view(argv[1]) == "--describe") {
        describe(route);
        return 0;
    }
    set_log_name(route.name);
    try {
        Options options = parse_options(argc, argv);
        Config config = load_config(options.config_path);
        // Templates are loaded here, once, before the workers fork and share them: a broken
        // one stops the program at start instead of failing every worker's first request.
        Renderer renderer(config.templates_dir, route.templates);
        if (route.needs & kNeedsPasswordPolicy)
            password_policy();
        int workers = options.workers != 0 ? options.workers : int(effective_workers(config));
        int listen_fd = inherited_listening_socket();
        bool own_socket = listen_fd < 0;
        if (own_socket) {
            if (options.socket_path.empty())
                throw std::runtime_error("no --socket given and no socket passed by systemd");
            listen_fd = open_listening_socket(options.socket_path);
        }
        // Workers must never block in accept (see serve_requests); accepted connections are
        // blocking all the same, as accept does not pass the flag on.
        if (fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK) != 0)
            throw std::runtime_error(std::string("cannot set up the socket: ") +
                                     std::strerror(errno));
        log_line("serving " + (own_socket ? options.socket_path : "the socket it was given") +
                 " with " + std::to_string(workers) + " workers");
        Supervisor(listen_fd, route, config, renderer, workers).run();
        close(listen_fd);
        if (own_socket)
            unlink(options.socket_path.c_str());
        log_line("stopped");
        return 0;
    } catch (const std::exception& e) {
        log_line(e.what());
        return 1;
    }
}

}  // namespace microblog
