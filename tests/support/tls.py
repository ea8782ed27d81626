"""Raw TLS probes: does a listener accept a client (certificate) or refuse it?"""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

from mesh.pki import IdentityFiles


def handshake_then_read(port: int, ca: Path, client: IdentityFiles | None) -> bytes:
    """TLS 1.3 to `port`, then read: a refused client certificate surfaces on the first read."""
    context = ssl.create_default_context(cafile=str(ca))
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.set_alpn_protocols(["h2"])
    if client is not None:
        context.load_cert_chain(str(client.cert), str(client.key))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=3) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        tls.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes.fromhex("000000040000000000"))
        return tls.recv(64)
