// Running a route as a FastCGI program: one listening socket, a supervisor that keeps
// `--workers` processes alive, and in each worker the accept loop that turns every request
// into a Response, with all errors handled in one place.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "app.h"
#include "request.h"
#include "response.h"

namespace microblog {

struct Route {
    std::string name;                    // the program's name in logs
    std::vector<std::string> methods;    // others get 405; empty: any
    std::vector<std::string> templates;  // content templates it renders
    std::function<Response(const Request&, App&)> handle;
};

// Forms on this site are a few short fields; nginx refuses more (client_max_body_size).
inline constexpr size_t kMaxBodyBytes = 16 * 1024;

// main() of every route program: `PROGRAM --config FILE --socket PATH [--workers N]`.
int serve(int argc, char** argv, const Route& route);

// One request through the route, with every failure turned into a page: HttpError into its
// status, an unreachable database into 503, anything else into a logged 500.
Response handle_request(const Route& route, App& app, const Request& request);

}  // namespace microblog
