"""The route programs, as deploy/lib/routes.sh names them for the build and every script, and
their rows of the route table (`PROGRAM --describe`, core/server/route.cpp), so that a test of
"every page of some kind" finds a new page without being edited."""
import functools
import os
import re
import subprocess

from stack import BUILD_DIR, REPO_DIR

_ROUTES_SH = os.path.join(REPO_DIR, "deploy", "lib", "routes.sh")


def routes():
    with open(_ROUTES_SH) as f:
        match = re.search(r"^ROUTES=\((.*)\)$", f.read(), re.M)
    return tuple(match.group(1).split())


def described(route):
    """The row of `route`'s built program as {key: [values]}; keys this file does not know are kept."""
    output = subprocess.run([os.path.join(BUILD_DIR, "bin", route), "--describe"], check=True,
                            capture_output=True, text=True, timeout=30).stdout
    return {key: rest.split() for key, _, rest in (line.partition(" ") for line in output.splitlines())}


@functools.lru_cache(maxsize=None)
def rows():
    """{route: row} of every route program."""
    return {route: described(route) for route in routes()}


def pages(audience=None, method=None):
    """The paths of every route, in route order, narrowed to one audience as --describe names it
    ("anyone", "visitors", "signed-in", "session") and to routes that accept `method`."""
    found = [path for row in rows().values()
             if audience in (None, row["audience"][0]) and method in (None, *row["methods"])
             for path in row["paths"]]
    # Most likely a misspelt audience or method; a loop over no pages would test nothing.
    if not found:
        raise LookupError("no route with audience %r and method %r" % (audience, method))
    return found


def is_prefix(path):
    """Whether a row's path is a prefix (it ends in "/"; nginx sends everything under it, and the
    page reads the rest: /reset_password/<token>). Opened bare, such a page answers 404."""
    return len(path) > 1 and path.endswith("/")


def audience(path):
    """The audience of the route that serves `path`."""
    for row in rows().values():
        if path in row["paths"]:
            return row["audience"][0]
    raise LookupError("no route serves %s" % path)


def signed_in_view(path):
    """Whether only a signed-in visitor sees `path`'s own page (audience signed-in, or session:
    signing out), so a test looking at each page signs in for it."""
    return audience(path) in ("signed-in", "session")
