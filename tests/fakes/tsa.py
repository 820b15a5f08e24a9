"""A local RFC 3161 timestamp authority: ``openssl ts -reply`` behind an HTTP handler.

The test generates a CA and a TSA certificate (extendedKeyUsage timeStamping, critical)
with the openssl command, writes an ``openssl ts`` configuration, and serves POSTed
``application/timestamp-query`` bodies on 127.0.0.1, exactly as a public TSA would.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TSA_CONF = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""

KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
EXT = "extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_pki(folder: Path, cn: str = "narcowatch test") -> dict[str, Path]:
    """A CA, a TSA certificate signed by it, and a server certificate for 127.0.0.1."""
    folder.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", *KEY, "-keyout", "ca.key",
             "-out", "ca.pem", "-days", "30", "-subj", f"/CN={cn} CA", cwd=folder)  # fmt: skip
    (folder / "tsa.ext").write_text(EXT)
    _openssl("req", *KEY, "-keyout", "tsa.key", "-out", "tsa.csr",
             "-subj", f"/CN={cn} TSA", cwd=folder)  # fmt: skip
    _openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "tsa.pem", "-days", "30", "-extfile", "tsa.ext",
             cwd=folder)  # fmt: skip
    (folder / "srv.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl("req", *KEY, "-keyout", "srv.key", "-out", "srv.csr",
             "-subj", "/CN=127.0.0.1", cwd=folder)  # fmt: skip
    _openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "srv.pem", "-days", "30", "-extfile", "srv.ext",
             cwd=folder)  # fmt: skip
    (folder / "serial").write_text("01\n")
    (folder / "tsa.cnf").write_text(TSA_CONF.format(dir=folder))
    return {name: folder / f"{name}.pem" for name in ("ca", "tsa", "srv")} | {
        "srv_key": folder / "srv.key",
        "conf": folder / "tsa.cnf",
    }


@dataclass
class TSA:
    url: str
    ca_file: Path
    pki: dict[str, Path]
    requests: list[int]


def _handler(conf: Path, lock: threading.Lock, counter: list[int]) -> type:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_response(415)
                self.end_headers()
                return
            with lock, tempfile.TemporaryDirectory() as tmp:
                query, reply = Path(tmp) / "q.tsq", Path(tmp) / "r.tsr"
                query.write_bytes(body)
                proc = subprocess.run(
                    ["openssl", "ts", "-reply", "-config", str(conf), "-queryfile", str(query),
                     "-out", str(reply)],
                    capture_output=True, timeout=30, check=False,
                )  # fmt: skip
                data = reply.read_bytes() if proc.returncode == 0 else b""
                counter.append(len(body))
            self.send_response(200 if data else 400)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def serve_tsa(folder: Path) -> Iterator[TSA]:
    pki = make_pki(folder)
    counter: list[int] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(pki["conf"], threading.Lock(), counter))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield TSA(f"http://127.0.0.1:{server.server_address[1]}/tsr", pki["ca"], pki, counter)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
