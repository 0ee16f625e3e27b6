// A worker's loop: wait for a connection, read the FastCGI request, answer it through the
// request policy, and stop between requests when SIGTERM comes.
#pragma once

#include "core/server/route.h"

namespace microblog {

// Readies the worker for serve_requests(): SIGTERM is blocked, and taken only while waiting
// for a connection, so a stop never cuts a request in half.
void take_sigterm_between_requests();

// Answers requests on `listen_fd` until SIGTERM.
void serve_requests(int listen_fd, const Route& route, App& app);

}  // namespace microblog
