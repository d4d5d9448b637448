"""A fault-injecting S3 proxy for lakectl's reliability tests (loopback only).

It sits between lakectl and the test S3 server and forwards every request unchanged — method, path,
query, headers in order (Host included, so SigV4 signatures stay valid) and body — unless its seeded
schedule picks a fault for that request:

  500       answer 500 InternalError without forwarding
  503       answer 503 SlowDown without forwarding
  reset     close the connection with a TCP RST without answering (nothing forwarded)
  stall     hold the connection open, silent, for `stall_seconds`, then close it (nothing forwarded)
  truncate  forward, then send the real status and headers but only half of the body and close
            (only for responses with a body; others get `delay` instead)
  delay     forward after sleeping 0.05–`max_delay` seconds

Pre-forward faults never reach the server, so a request either happened completely or not at all;
`truncate` happens after the server applied the request (reads only: S3 write responses have no body).
Every request is logged (method, path, headers, fault) so tests can inspect what lakectl signed.

Use:  with FaultProxy("http://127.0.0.1:8333", rate=0.1, seed=1) as proxy:  proxy.url ...
or:   python faultproxy.py UPSTREAM_URL --rate 0.1 --seed 1  (prints the proxy URL)
"""
import argparse
import http.client
import random
import socket
import struct
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ("500", "503", "reset", "stall", "truncate", "delay")

ERROR_BODY = {
    "500": b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code>'
           b'<Message>We encountered an internal error. Please try again.</Message></Error>',
    "503": b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
           b'<Message>Please reduce your request rate.</Message></Error>',
}


class FaultProxy:
    def __init__(self, upstream, rate=0.1, seed=0, faults=FAULTS, stall_seconds=3.0, max_delay=0.3, ssl_context=None):
        parsed = urllib.parse.urlparse(upstream)
        assert parsed.scheme == "http", "the proxy forwards to an http:// upstream"
        self.upstream = (parsed.hostname, parsed.port or 80)
        self.rate = rate
        self.rng = random.Random(seed)
        self.faults = tuple(faults)
        self.stall_seconds = stall_seconds
        self.max_delay = max_delay
        self.lock = threading.Lock()
        self.log = []          # dicts: method, path, headers, fault
        self.counts = {f: 0 for f in FAULTS}
        self.counts["forwarded"] = 0
        self.closing = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _any(self):
                proxy._handle(self)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        scheme = "http"
        if ssl_context is not None:  # serve HTTPS (the TLS verification tests)
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def injected(self):
        return sum(self.counts[f] for f in FAULTS)

    def _pick(self):
        with self.lock:
            if self.rng.random() < self.rate:
                return self.rng.choice(self.faults), self.rng.random()
            return None, self.rng.random()

    def _handle(self, h):
        length = int(h.headers.get("Content-Length") or 0)
        if h.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = _read_chunked(h.rfile)
        else:
            body = h.rfile.read(length) if length else b""
        fault, r = self._pick()
        entry = {"method": h.command, "path": h.path, "headers": list(h.headers.items()), "fault": fault}
        with self.lock:
            self.log.append(entry)
            if fault:
                self.counts[fault] += 1
        if fault in ("500", "503"):
            payload = ERROR_BODY[fault]
            h.send_response(int(fault))
            h.send_header("Content-Type", "application/xml")
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            if h.command != "HEAD":
                h.wfile.write(payload)
            return
        if fault == "reset":
            _reset(h)
            return
        if fault == "stall":
            self.closing.wait(self.stall_seconds)
            _reset(h)
            return
        if fault == "delay":
            time.sleep(0.05 + r * self.max_delay)
        status, reason, headers, data = self._forward(h, body)
        with self.lock:
            self.counts["forwarded"] += 1
        if fault == "truncate" and len(data) < 2:
            # nothing to cut: count it as a delay instead
            with self.lock:
                self.counts["truncate"] -= 1
                self.counts["delay"] += 1
                entry["fault"] = "delay"
            fault = None
        h.send_response_only(status, reason)
        for name, value in headers:
            if name.lower() in ("transfer-encoding", "connection"):
                continue
            if name.lower() == "content-length" and h.command != "HEAD":
                continue  # HEAD keeps the object's length; others get the (possibly re-framed) body's
            h.send_header(name, value)
        if h.command != "HEAD":
            h.send_header("Content-Length", str(len(data)))
        if fault == "truncate":
            h.send_header("Connection", "close")
        h.end_headers()
        if h.command == "HEAD":
            return
        if fault == "truncate":
            h.wfile.write(data[: len(data) // 2])
            h.wfile.flush()
            _reset(h)
        else:
            h.wfile.write(data)

    def _forward(self, h, body):
        conn = http.client.HTTPConnection(*self.upstream, timeout=120)
        try:
            conn.putrequest(h.command, h.path, skip_host=True, skip_accept_encoding=True)
            for name, value in h.headers.items():
                if name.lower() in ("transfer-encoding", "expect", "connection"):
                    continue
                if name.lower() == "content-length":
                    continue
                conn.putheader(name, value)
            if body or h.command in ("PUT", "POST"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body if body else None)
            resp = conn.getresponse()
            data = resp.read() if h.command != "HEAD" else b""
            headers = resp.getheaders()
            return resp.status, resp.reason, headers, data
        finally:
            conn.close()


def _read_chunked(rfile):
    out = bytearray()
    while True:
        size = int(rfile.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return bytes(out)
        out += rfile.read(size)
        rfile.readline()


def _reset(h):
    """Close with RST (SO_LINGER 0) so the client sees a reset, not a clean end."""
    try:
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    h.close_connection = True
    try:
        h.connection.close()
    except OSError:
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("upstream")
    ap.add_argument("--rate", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stall", type=float, default=3.0)
    args = ap.parse_args()
    with FaultProxy(args.upstream, rate=args.rate, seed=args.seed, stall_seconds=args.stall) as p:
        print(p.url, flush=True)
        try:
            while True:
                time.sleep(5)
                print(p.counts, flush=True)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
