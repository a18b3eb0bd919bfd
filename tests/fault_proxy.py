"""A TCP proxy on 127.0.0.1 that fails one chosen HTTP request, for fault tests, and counts
the requests and their body bytes, for the remote benchmark (benchmarks/bench/remote.py).

    proxy = FaultProxy(server_port); proxy.start()      # clients use proxy.endpoint
    proxy.fail_next(b"POST", b"/compose", landed=True)
    ...
    proxy.stop()

``fail_next(*markers, landed)``: the next request whose head holds every marker fails:
with ``landed=True`` it reaches the server, which carries it out, and the client gets
``400 Bad Request`` instead of the server's answer (the worst case for an append: it
happened, and the client was told it did not); with ``landed=False`` it never reaches
the server. A 400 is not retried by the store clients (a dropped connection would be,
after seconds of backoff), so the failure reaches tfevents at once. ``failed`` counts
the requests failed so far; ``requests`` and ``body_bytes`` the requests passed on (their heads
parsed from the client's bytes, bodies by ``Content-Length``) since ``start`` or ``reset_counts``.
"""

from __future__ import annotations

import contextlib
import socket
import threading

HOST = "127.0.0.1"
ERROR = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 15\r\n"
    b"Connection: close\r\n\r\ninjected fault\n"
)


class FaultProxy:
    def __init__(self, server_port: int) -> None:
        self.server_port = server_port
        self._listener = socket.create_server((HOST, 0))
        self.port = self._listener.getsockname()[1]
        self.endpoint = f"http://{HOST}:{self.port}"
        self._lock = threading.Lock()
        self._armed: tuple[tuple[bytes, ...], bool] | None = None
        self.failed = self.requests = self.body_bytes = 0
        self._sockets: set[socket.socket] = set()
        self._running = False

    def fail_next(self, *markers: bytes, landed: bool) -> None:
        with self._lock:
            self._armed = (markers, landed)

    def reset_counts(self) -> None:
        with self._lock:
            self.requests = self.body_bytes = 0

    def start(self) -> FaultProxy:
        self._running = True
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._running = False
        self._listener.close()
        for sock in list(self._sockets):
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while self._running:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _take(self, head: bytes) -> bool | None:
        """Whether this request fails (and how): None, or ``landed``."""
        with self._lock:
            if self._armed is not None and all(m in head for m in self._armed[0]):
                landed = self._armed[1]
                self._armed = None
                self.failed += 1
                return landed
        return None

    def _serve(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection((HOST, self.server_port))
        except OSError:
            client.close()
            return
        self._sockets.update((client, server))
        doomed = threading.Event()  # the server's answer is replaced by the error

        def answers() -> None:
            with contextlib.suppress(OSError):
                while data := server.recv(65536):
                    if doomed.is_set():
                        client.sendall(ERROR)
                        break
                    client.sendall(data)
            for sock in (client, server):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

        threading.Thread(target=answers, daemon=True).start()
        buffer, body_left = b"", 0  # the client's bytes not yet parsed; of the current request's body
        with contextlib.suppress(OSError):
            while data := client.recv(65536):
                buffer += data
                while True:  # count every request whose head is complete
                    taken = min(body_left, len(buffer))
                    buffer, body_left = buffer[taken:], body_left - taken
                    end = buffer.find(b"\r\n\r\n")
                    if body_left or end < 0:
                        break
                    head, buffer = buffer[:end].lower(), buffer[end + 4 :]
                    body_left = sum(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")[1:] if line.startswith(b"content-length:"))
                    with self._lock:
                        self.requests, self.body_bytes = self.requests + 1, self.body_bytes + body_left
                fault = self._take(data[:4096]) if not doomed.is_set() else None
                if fault is False:  # never reaches the server
                    client.sendall(ERROR)
                    break
                if fault is True:
                    doomed.set()
                server.sendall(data)
        for sock in (client, server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
            self._sockets.discard(sock)
