"""Running the HTTP service: one process, or ``workers`` forked processes on one socket.

uvicorn's own ``--workers`` hands the listening socket to spawned children in a form asyncio
does not recognise as TCP, so their connections keep Nagle's algorithm on and every answer waits
~40 ms for a delayed ACK (measured with bench.load). Forking after binding keeps the socket a
real TCP socket in every worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable


class ServeError(Exception):
    """The service could not start (the address is taken...), in words a user can act on."""


def serve(path: str | Path, host: str = "127.0.0.1", port: int = 8000,
          api_key: str | None = None, max_body: int = 10 * 2**20, workers: int = 1,
          allowed_hosts: list[str] | None = None,
          on_listen: Callable[[str, bool], None] | None = None) -> None:
    """Serve the index at ``path`` until interrupted; ``allowed_hosts``: Host headers to
    answer besides the loopback names (`app.allowed_hosts_for`). Writes need ``api_key`` when
    one is given; without one they are open on a loopback address and off on any other (a
    service reachable from the network must not let anyone rewrite the index).
    ``on_listen(url, writes_open)`` is called once the address is bound."""
    from copytrace.service.app import allowed_hosts_for, create_app, is_loopback

    hosts = allowed_hosts_for(host, allowed_hosts)
    writes = bool(api_key) or is_loopback(host)

    def make():
        return create_app(path, api_key=api_key, max_body=max_body, allowed_hosts=hosts,
                          writes=writes)

    sock = _listen(host, port)
    if on_listen:
        shown = f"[{host}]" if ":" in host else host
        on_listen(f"http://{shown}:{sock.getsockname()[1]}/", writes)
    if workers == 1:
        _run(make(), sock)
        return
    _serve_forked(make, sock, workers)


def _listen(host: str, port: int):
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port} ({e.strerror})") from None
    sock.listen(2048)
    return sock


def _run(app, sock) -> None:
    import uvicorn

    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])


def _serve_forked(make_app, sock, workers: int) -> None:
    """``workers`` forked processes serving one listening socket."""
    import multiprocessing
    import signal

    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=lambda: _run(make_app(), sock), daemon=True)
             for _ in range(workers)]
    for p in procs:
        p.start()

    def stop(*_):
        for p in procs:
            if p.is_alive():
                p.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for p in procs:
        p.join()
