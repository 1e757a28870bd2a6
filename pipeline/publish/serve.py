"""`make serve`: serve site/ on http://127.0.0.1:PORT/, with a French message for a busy port or a bad PORT.

The standard library only (the Makefile runs it with the system's python3, before any environment exists).

    python -m pipeline.publish.serve [--root .] [--port 8000]
"""
from __future__ import annotations

import argparse
import errno
import functools
import http.server
import os
import sys
from pathlib import Path

from pipeline.common.errors import PipelineError

DEFAULT_PORT = 8000


def parse_port(text: str) -> int:
    """PORT as the user typed it: a whole number from 1 to 65535."""
    try:
        port = int(text.strip())
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise PipelineError(f"PORT doit être un numéro de port, un entier de 1 à 65535, pas « {text} ».",
                            where=f"PORT={text}", fix="par exemple « PORT=8080 make serve ».")
    return port


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # one line per file requested says nothing to a teacher
        pass


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # a browser closing a connection: no traceback
        pass


def open_server(site: Path, port: int) -> Server:
    """Bind 127.0.0.1:port, or a PipelineError saying why it cannot (port taken, reserved)."""
    try:
        return Server(("127.0.0.1", port), functools.partial(Quiet, directory=str(site)))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PipelineError(f"le port {port} est déjà utilisé (un autre « make serve », ou un autre programme).",
                                where=f"http://127.0.0.1:{port}/",
                                fix=f"choisissez-en un autre, par exemple « PORT={port + 1} make serve », ou arrêtez "
                                    "l'autre serveur (Ctrl-C dans son terminal).", detail=str(exc)) from None
        if exc.errno == errno.EACCES:
            raise PipelineError(f"le port {port} est réservé à l'administrateur du système.",
                                where=f"http://127.0.0.1:{port}/", fix="choisissez un port au-dessus de 1024, par "
                                "exemple « PORT=8080 make serve ».", detail=str(exc)) from None
        raise PipelineError(f"impossible d'ouvrir le port {port}.", where=f"http://127.0.0.1:{port}/",
                            fix="choisissez un autre port, par exemple « PORT=8080 make serve ».",
                            detail=f"{type(exc).__name__}: {exc}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.publish.serve", description="Servir site/ en local.")
    parser.add_argument("--root", default=".", help="dossier du projet (contient site/)")
    parser.add_argument("--port", default=os.environ.get("PORT") or str(DEFAULT_PORT), help="port (défaut : 8000)")
    args = parser.parse_args(argv)
    site = Path(args.root).resolve() / "site"
    try:
        port = parse_port(args.port)
        if not (site / "index.html").is_file():
            raise PipelineError("pas encore de site à servir.", where=str(site), fix="lancez d'abord « make report ».")
        server = open_server(site, port)
    except PipelineError as exc:
        print(exc.message(), file=sys.stderr)
        return 2
    print(f"Site servi sur http://127.0.0.1:{port}/ (Ctrl-C pour arrêter)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nServeur arrêté.")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
