"""A minimal FastCGI client (the responder role, one request per connection, as nginx sends
them), so tests can talk to a route program's socket without nginx in between."""
import socket
import struct

VERSION = 1
BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7
RESPONDER = 1


def _record(kind, content, request_id=1):
    return struct.pack(">BBHHBx", VERSION, kind, request_id, len(content), 0) + content


def _length(n):
    return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)


def _params(params):
    body = b""
    for name, value in params.items():
        name, value = name.encode(), value.encode()
        body += _length(len(name)) + _length(len(value)) + name + value
    return body


def _read_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the program closed the connection after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def request(socket_path, params, body=b"", timeout=10):
    """Sends one request; returns the program's whole stdout (CGI headers and body). Raises
    ConnectionError when the program closes the connection before its END_REQUEST record."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(socket_path)
        payload = _record(BEGIN_REQUEST, struct.pack(">HB5x", RESPONDER, 0))
        payload += _record(PARAMS, _params(params)) + _record(PARAMS, b"")
        if body:
            payload += _record(STDIN, body)
        payload += _record(STDIN, b"")
        conn.sendall(payload)
        out = b""
        while True:
            _, kind, _, length, padding = struct.unpack(">BBHHBx", _read_exactly(conn, 8))
            content = _read_exactly(conn, length + padding)[:length]
            if kind == STDOUT:
                out += content
            elif kind == END_REQUEST:
                return out


def get(socket_path, path, extra_params=None, timeout=10):
    params = {"REQUEST_METHOD": "GET", "REQUEST_URI": path, "SCRIPT_NAME": path,
              "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "localhost",
              "REMOTE_ADDR": "127.0.0.1"}
    params.update(extra_params or {})
    return request(socket_path, params, timeout=timeout)
