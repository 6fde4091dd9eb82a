"""Running the HTTP service: one process, or ``workers`` forked processes on one socket.

uvicorn's own ``--workers`` hands the listening socket to spawned children in a form asyncio
does not recognise as TCP, so their connections keep Nagle's algorithm on and every answer waits
~40 ms for a delayed ACK (measured with bench.load). Forking after binding keeps the socket a
real TCP socket in every worker.
"""

from __future__ import annotations

from pathlib import Path


class ServeError(Exception):
    """The service could not start (the address is taken...), in words a user can act on."""


def serve(path: str | Path, host: str = "127.0.0.1", port: int = 8000,
          api_key: str | None = None, max_body: int = 10 * 2**20, workers: int = 1,
          allowed_hosts: list[str] | None = None) -> None:
    """Serve the index at ``path`` until interrupted; ``allowed_hosts``: Host headers to
    answer besides the loopback names (`app.allowed_hosts_for`)."""
    import uvicorn

    from copytrace.service.app import allowed_hosts_for, create_app

    hosts = allowed_hosts_for(host, allowed_hosts)

    def make():
        return create_app(path, api_key=api_key, max_body=max_body, allowed_hosts=hosts)

    if workers == 1:
        uvicorn.run(make(), host=host, port=port, log_level="warning")
        return
    _serve_forked(make, host, port, workers)


def _serve_forked(make_app, host: str, port: int, workers: int) -> None:
    """``workers`` forked processes serving one listening socket."""
    import multiprocessing
    import signal
    import socket

    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        raise ServeError(f"cannot listen on {host}:{port} ({e.strerror})") from None
    sock.listen(2048)

    def run() -> None:
        uvicorn.Server(uvicorn.Config(make_app(), log_level="warning")).run(sockets=[sock])

    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=run, daemon=True) for _ in range(workers)]
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
