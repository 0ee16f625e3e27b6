#include "core/server/fastcgi_loop.h"

#include <fcgiapp.h>
#include <poll.h>
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/db/database.h"
#include "core/http/http_error.h"
#include "core/server/log.h"
#include "core/server/request_policy.h"

namespace microblog {
namespace {

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

}  // namespace

void take_sigterm_between_requests() {
    struct sigaction on_term {};
    on_term.sa_handler = request_stop;
    sigemptyset(&on_term.sa_mask);
    sigaction(SIGTERM, &on_term, nullptr);
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigprocmask(SIG_SETMASK, &blocked, nullptr);
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

}  // namespace microblog
