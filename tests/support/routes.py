"""The route programs, as deploy/lib/routes.sh names them for the build and every script."""
import os
import re

_ROUTES_SH = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "lib", "routes.sh")


def routes():
    with open(_ROUTES_SH) as f:
        match = re.search(r"^ROUTES=\((.*)\)$", f.read(), re.M)
    return tuple(match.group(1).split())
