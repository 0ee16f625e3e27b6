"""The headers every response of the site carries (nginx/security-headers.conf), and a check of
one response against them, shared by tests/nginx/test_security_headers.py and test_rate_limits.py."""
import re

CSP = ("default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY",
                    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
TEXT_TYPE = re.compile(r"^(text/|application/(javascript|json|xml)|[a-z]+/[^;]*\+xml)", re.I)


def header_problems(status, getlist, no_store):
    """What is wrong with one plain-HTTP response: getlist(name) gives every value of a header.
    no_store: a page that may carry a visitor's data, which must never be kept in a cache."""
    problems = []
    for name, value in SECURITY_HEADERS.items():
        if getlist(name) != [value]:
            problems.append("%s is %r, not once %r" % (name, getlist(name), value))
    if getlist("Strict-Transport-Security"):
        problems.append("Strict-Transport-Security over plain HTTP")
    if getlist("Server") not in ([], ["nginx"]):
        problems.append("Server names a version: %r" % getlist("Server"))
    types = getlist("Content-Type")
    if len(types) > 1:
        problems.append("Content-Type %r" % types)
    # nginx's charset module never labels a 301 or 302 of nginx's own (its fixed notice, which a
    # browser does not show): the one documented exception (docs/deploy.md).
    own_redirect = status in (301, 302) and types == ["text/html"]
    if types and TEXT_TYPE.match(types[0]) and not own_redirect and \
            not re.search(r";\s*charset=utf-8\s*$", types[0], re.I):
        problems.append("text type without charset=utf-8: %r" % types[0])
    if no_store and getlist("Cache-Control") != ["no-store"]:
        problems.append("Cache-Control is %r, not once no-store" % getlist("Cache-Control"))
    return problems
