// Running a route as a FastCGI program. Its parts: the row (route.h); the listening socket and
// the supervisor that keeps `--workers` processes alive (supervisor.h); each worker's loop
// (fastcgi_loop.h); and what every request goes through before and after its handler, with all
// errors handled in one place (request_policy.h).
#pragma once

#include <iostream>
#include <memory>
#include <stdexcept>
#include <type_traits>

#include "core/server/request_policy.h"
#include "core/server/route.h"
#include "core/server/supervisor.h"

namespace microblog {

// Runs the route, its workers' App made by `make_app` with `parts` (Needs, or-ed).
int serve_route(int argc, char** argv, const Route& route, unsigned parts,
                const AppMaker& make_app);

// main() of every route program: `PROGRAM --config FILE --socket PATH [--workers N]`, or
// `PROGRAM --describe` to print its row. `Site` is the App the row's handlers take: App, or
// AppWith<parts> for the stores they use; each worker makes one of that type.
template <class Site = App>
int serve(int argc, char** argv, const BasicRoute<Site>& row) {
    static_assert(std::is_base_of_v<App, Site>);
    unsigned parts = kNeedsNothing;
    if constexpr (!std::is_same_v<Site, App>)
        parts = Site::kPartsNamed;
    AppMaker make_app = [](const Config& config, const Renderer& renderer, const Route& route,
                           unsigned implied) -> std::unique_ptr<App> {
        if constexpr (std::is_same_v<Site, App>)
            return std::make_unique<App>(config, renderer, route.companion, implied, &route.page);
        else
            return std::make_unique<Site>(config, renderer, route.companion, implied, &route.page);
    };
    try {
        return serve_route(argc, argv, as_app_route(row), parts, make_app);
    } catch (const std::logic_error& e) {
        std::cerr << row.name << ": " << e.what() << "\n";
        return 1;
    }
}

}  // namespace microblog
