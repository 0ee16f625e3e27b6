// The route's listening socket, and the supervisor that keeps its workers alive: it forks
// them, starts another when one dies, and stops them all on SIGTERM.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/pages/page.h"
#include "core/server/config.h"
#include "core/server/route.h"

namespace microblog {

// Binds and listens on a unix socket at `path`; refuses one that another process serves.
int open_listening_socket(const std::string& path);

// The listening socket systemd passed, or -1 when it passed none.
int inherited_listening_socket();

// Makes a worker's App, of the type the route's handlers take (server.h), with the parts the
// route's declarations imply (`implied`, Needs or-ed) on top of those the type names.
using AppMaker = std::function<std::unique_ptr<App>(const Config& config, const Renderer& renderer,
                                                    const Route& route, unsigned implied)>;

// Runs `workers` processes serving `route` on `listen_fd` until SIGTERM or SIGINT.
void supervise(int listen_fd, const Route& route, const AppMaker& make_app, const Config& config,
               const Renderer& renderer, int workers);

}  // namespace microblog
