#!/usr/bin/env python3
"""A proxy on 127.0.0.1 that forwards to the mirror's index (serve.sh's
nginx) and breaks a share of the answers, as flaky networks, proxies and
overloaded indexes do: to see what the tools survive. Python's standard
library only.

    faultproxy.py [--upstream URL] [--port N] [--rate PERCENT] [--seed N]
                  [--faults LIST] [--stall SECONDS] [--log FILE] [-- COMMAND...]

With a COMMAND, the proxy runs it with FAULT_URL (the upstream's /simple
index through the proxy) and FAULT_NOMETA_URL (/nometa) set, stops when it
ends and exits with its status; without one it serves until interrupted.
--upstream defaults to the scheme and host of $INDEX_URL (serve.sh sets it).

Each GET meets a fault with probability PERCENT % (default 5), drawn from a
random generator seeded by --seed, so a run is repeatable as far as the
order of requests is. The fault is chosen among those that fit the request:

  cut          the headers promise the whole body; half of it comes, then
               the connection closes
  500, 503     the status, with a short plain body
  429          429 Too Many Requests with Retry-After: 1
  long-length  a Content-Length 100 bytes too long; the body, then close
  short-length a Content-Length a third too short; that many bytes, then close
  ignore-range a ranged request answered 200 with the whole file
  flip         one byte in the middle of the body flipped (whole files only:
               wheels and .metadata files, which have a sha256)
  stall        the headers and half the body, then nothing for --stall
               seconds (default 20, past the tools' 15 s read timeout), then close
  html         an index page answered 502 with a gateway's HTML error page

Every request is logged (--log, default stderr) as one line: the method,
path, range, upstream status and the fault, if any; at the end a count of
faults by kind.
"""
import argparse
import collections
import http.client
import http.server
import os
import random
import signal
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse

ALL = ["cut", "500", "503", "429", "long-length", "short-length",
       "ignore-range", "flip", "stall", "html"]
ERROR_PAGE = (b"<html><head><title>502 Bad Gateway</title></head><body>"
              b"<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>"
              b"</body></html>\n")
# Request headers passed on to the upstream; hop-by-hop ones are not.
FORWARDED = ("accept", "range", "if-none-match", "if-modified-since", "user-agent",
             "accept-encoding", "authorization")
# Response headers passed back; the proxy sets Content-Length and Connection itself.
RETURNED = ("content-type", "etag", "last-modified", "cache-control", "content-range",
            "accept-ranges", "date", "age", "content-encoding")


class Faults:
    """Which request meets which fault: one seeded generator, under a lock."""

    def __init__(self, rate, seed, kinds):
        self.rate, self.kinds = rate / 100.0, kinds
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.count = collections.Counter()

    def pick(self, method, path, ranged):
        with self.lock:
            roll, which = self.random.random(), self.random.random()
        if method != "GET" or roll >= self.rate:
            return None
        whole_file = path.startswith("/files/") and not ranged
        page = not path.startswith("/files/")
        fits = [k for k in self.kinds
                if (k != "flip" or whole_file) and (k != "html" or page)
                and (k != "ignore-range" or ranged)]
        if not fits:
            return None
        fault = fits[int(which * len(fits))]
        with self.lock:
            self.count[fault] += 1
        return fault


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "faultproxy"

    def log_message(self, *args):
        pass

    def upstream(self):
        """This thread's keep-alive connection to the upstream."""
        local = self.server.local
        if getattr(local, "conn", None) is None:
            local.conn = http.client.HTTPConnection(self.server.host, self.server.port, timeout=120)
        return local.conn

    def fetch(self, headers):
        """(status, headers, body) from the upstream, retried once on a dropped keep-alive."""
        for attempt in (0, 1):
            conn = self.upstream()
            try:
                conn.request(self.command, self.path, headers=headers)
                resp = conn.getresponse()
                return resp.status, resp.getheaders(), resp.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                self.server.local.conn = None
                if attempt:
                    raise

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        ranged = self.headers.get("Range") is not None
        fault = self.server.faults.pick(self.command, urllib.parse.urlsplit(self.path).path, ranged)
        headers = {k: v for k, v in self.headers.items() if k.lower() in FORWARDED}
        if fault == "ignore-range":
            headers = {k: v for k, v in headers.items() if k.lower() != "range"}
        status, upstream_headers = 0, []
        if fault in ("500", "503", "429", "html"):
            body = ERROR_PAGE if fault == "html" else f"injected {fault}\n".encode()
            status = 502 if fault == "html" else int(fault)
            upstream_headers = [("Content-Type", "text/html" if fault == "html" else "text/plain")]
            if fault == "429":
                upstream_headers.append(("Retry-After", "1"))
        else:
            try:
                status, upstream_headers, body = self.fetch(headers)
            except (http.client.HTTPException, OSError) as e:
                status, body = 502, f"upstream: {e}\n".encode()
        self.server.log(f"{self.command} {self.path} {self.headers.get('Range', '-')} {status} "
                        f"{len(body)} {fault or '-'}")
        self.answer(status, upstream_headers, body, fault)

    def answer(self, status, upstream_headers, body, fault):
        damaging = fault in ("cut", "long-length", "short-length", "flip", "stall") \
            and status in (200, 206) and len(body) >= 2
        length, send, close = len(body), body, False
        if damaging and fault == "flip":
            middle = len(body) // 2
            send = body[:middle] + bytes([body[middle] ^ 0x01]) + body[middle + 1:]
        elif damaging and fault in ("cut", "stall"):
            send, close = body[:len(body) // 2], True
        elif damaging and fault == "long-length":
            length, close = len(body) + 100, True
        elif damaging and fault == "short-length":
            length = len(body) - (len(body) // 3 + 1)
            send, close = body[:length], True
        self.send_response(status)
        for k, v in upstream_headers:
            if k.lower() in RETURNED or k.lower() == "retry-after":
                self.send_header(k, v)
        self.send_header("Content-Length", str(length))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(send)
                self.wfile.flush()
                if damaging and fault == "stall":
                    time.sleep(self.server.stall)
            except OSError:
                pass
        if close:
            self.close_connection = True


class Proxy(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, upstream, faults, stall, log):
        super().__init__(("127.0.0.1", port), Handler)
        self.host, self.port = upstream.hostname, upstream.port or 80
        self.faults, self.stall, self.logfile = faults, stall, log
        self.local = threading.local()
        self.loglock = threading.Lock()

    def handle_error(self, request, client_address):
        # A client that hangs up (a timeout, a cut it noticed) is no news.
        self.log(f"connection from {client_address[1]} ended: {sys.exc_info()[1]!r}")

    def log(self, line):
        with self.loglock:
            print(f"{time.monotonic():.3f} {line}", file=self.logfile, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", default=os.environ.get("INDEX_URL"))
    ap.add_argument("--port", type=int, default=0, help="0: any free port")
    ap.add_argument("--rate", type=float, default=5.0, help="percent of requests that meet a fault")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--faults", default=",".join(ALL))
    ap.add_argument("--stall", type=float, default=20.0)
    ap.add_argument("--log")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if not args.upstream:
        ap.error("no --upstream and no INDEX_URL (run under serve.sh)")
    kinds = [k for k in args.faults.split(",") if k]
    unknown = [k for k in kinds if k not in ALL]
    if unknown:
        ap.error(f"unknown faults {unknown}: choose among {','.join(ALL)}")
    upstream = urllib.parse.urlsplit(args.upstream)
    log = open(args.log, "a") if args.log else sys.stderr
    proxy = Proxy(args.port, upstream, Faults(args.rate, args.seed, kinds), args.stall, log)
    base = f"http://127.0.0.1:{proxy.server_address[1]}"
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        print(f"faultproxy: {base} -> {upstream.scheme}://{upstream.netloc}", file=sys.stderr)
        try:
            proxy.serve_forever()
        except KeyboardInterrupt:
            pass
        return 0
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    env = dict(os.environ, FAULT_URL=f"{base}/simple", FAULT_NOMETA_URL=f"{base}/nometa")
    child = subprocess.Popen(command, env=env)
    signal.signal(signal.SIGINT, lambda *_: child.send_signal(signal.SIGINT))
    status = child.wait()
    proxy.shutdown()
    counts = ", ".join(f"{k} {n}" for k, n in sorted(proxy.faults.count.items())) or "none"
    proxy.log(f"faults: {counts}")
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main())
