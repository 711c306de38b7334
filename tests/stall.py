"""A database that stops answering, for tests: a TCP proxy in front of the real PostgreSQL that
forwards until told to stall, then holds every byte (connections stay open, new ones are taken,
nothing passes either way) until resumed; and a SQLite file whose write lock another connection
holds. Neither resets a connection: the client learns nothing except by its own clocks."""

from __future__ import annotations

import selectors
import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path


class StallingProxy:
    """Forwards TCP connections from a local port to `target`; `stall()` stops all traffic
    without closing anything, `resume()` lets it flow again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.stalled = threading.Event()
        self._wake_read, self._wake_write = socket.socketpair()
        self._peers: dict[socket.socket, socket.socket] = {}
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="stalling-proxy", daemon=True)

    def __enter__(self) -> StallingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing = True
        self._wake()
        self._thread.join(timeout=10)
        for sock in [*self._peers, self.listener, self._wake_read, self._wake_write]:
            sock.close()

    def stall(self) -> None:
        """From now on nothing passes, in either direction; connections are taken and held."""
        self.stalled.set()
        self._wake()

    def resume(self) -> None:
        """Traffic flows again, what was held included."""
        self.stalled.clear()
        self._wake()

    def _wake(self) -> None:
        self._wake_write.send(b"x")

    def _run(self) -> None:
        with selectors.DefaultSelector() as selector:
            while not self._closing:
                self._watch(selector)
                for key, _ in selector.select():
                    sock = key.fileobj
                    assert isinstance(sock, socket.socket)
                    if sock is self._wake_read:
                        sock.recv(4096)
                    elif sock is self.listener:
                        self._accept()
                    else:
                        self._forward(sock)

    def _watch(self, selector: selectors.BaseSelector) -> None:
        """Listen to the listener and the wake-up pipe always; to the connections while flowing."""
        wanted = {self.listener, self._wake_read} | (set() if self.stalled.is_set() else set(self._peers))
        registered = {key.fileobj for key in selector.get_map().values()}
        for sock in registered - wanted:
            selector.unregister(sock)
        for sock in wanted - registered:
            selector.register(sock, selectors.EVENT_READ)

    def _accept(self) -> None:
        client, _ = self.listener.accept()
        upstream = socket.create_connection(self.target)
        self._peers[client], self._peers[upstream] = upstream, client

    def _forward(self, sock: socket.socket) -> None:
        peer = self._peers.get(sock)
        if peer is None:
            return
        try:
            data = sock.recv(65536)
            if data:
                peer.sendall(data)
                return
        except OSError:
            pass
        for end in (sock, peer):
            self._peers.pop(end, None)
            end.close()


@contextmanager
def sqlite_write_lock(path: Path) -> Iterator[None]:
    """Another connection holds the SQLite file's write lock (BEGIN IMMEDIATE) until the block ends."""
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
