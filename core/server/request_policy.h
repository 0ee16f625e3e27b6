// The HTTP policy every route gets before its handler runs: the audience, the method, a form
// from another site, the CSRF token and sudo mode, checked in that order; then the one place
// where a request's errors become pages.
#pragma once

#include "core/server/route.h"

namespace microblog {

// One request through the route: the visitor's identity from the session cookie, the route's
// preconditions, then its handler; every failure is turned into a page: HttpError into its
// status, an unreachable database into 503, anything else into a logged 500.
Response handle_request(const Route& route, App& app, Request& request);

}  // namespace microblog
