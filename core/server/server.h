// Running a route as a FastCGI program. Its parts: the row (route.h); the listening socket and
// the supervisor that keeps `--workers` processes alive (supervisor.h); each worker's loop
// (fastcgi_loop.h); and what every request goes through before and after its handler, with all
// errors handled in one place (request_policy.h).
#pragma once

#include "core/server/request_policy.h"
#include "core/server/route.h"

namespace microblog {

// main() of every route program: `PROGRAM --config FILE --socket PATH [--workers N]`, or
// `PROGRAM --describe` to print its row.
int serve(int argc, char** argv, const Route& route);

}  // namespace microblog
