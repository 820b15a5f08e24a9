"""Write fetched exchanges into a WARC file (ISO 28500) with warcio.

The WARC keeps the request and the response exactly as exchanged, with the IP address
connected to (``WARC-IP-Address``), so any WARC tool (warcio, pywb, ReplayWeb.page) can
replay and check what the server said. A ``warcinfo`` record names the tools used.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from narcowatch.net.fetch import Exchange


def _request_line(ex: Exchange) -> str:
    parts = urlsplit(ex.url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return f"{ex.method} {path} {ex.http_version}"


def _warc_date(ex: Exchange) -> str:
    return ex.started_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def write_warc(exchanges: Iterable[Exchange], info: dict[str, Any]) -> bytes:
    """Return a gzipped WARC holding a warcinfo record and each request/response pair."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    writer.write_record(writer.create_warcinfo_record("capture.warc.gz", info))
    for ex in exchanges:
        extra = {"WARC-Date": _warc_date(ex)}
        if ex.ip:
            extra["WARC-IP-Address"] = ex.ip
        resp_headers = StatusAndHeaders(
            f"{ex.status} {ex.reason}", list(ex.response_headers), protocol=ex.http_version
        )
        response = writer.create_warc_record(
            ex.url,
            "response",
            payload=io.BytesIO(ex.body),
            length=len(ex.body),
            http_headers=resp_headers,
            warc_headers_dict=extra,
        )
        req_headers = StatusAndHeaders(
            _request_line(ex), list(ex.request_headers), is_http_request=True
        )
        request = writer.create_warc_record(
            ex.url,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=req_headers,
            warc_headers_dict=dict(extra),
        )
        writer.write_request_response_pair(request, response)
    return buf.getvalue()


def read_warc(data: bytes) -> list[dict[str, Any]]:
    """The records of a WARC as dicts (type, uri, ip, status, body): for tests and verify."""
    from warcio.archiveiterator import ArchiveIterator

    out: list[dict[str, Any]] = []
    for rec in ArchiveIterator(io.BytesIO(data)):
        entry: dict[str, Any] = {
            "type": rec.rec_type,
            "uri": rec.rec_headers.get_header("WARC-Target-URI"),
            "ip": rec.rec_headers.get_header("WARC-IP-Address"),
            "digest": rec.rec_headers.get_header("WARC-Payload-Digest"),
        }
        if rec.http_headers is not None and rec.rec_type == "response":
            entry["status"] = rec.http_headers.get_statuscode()
        entry["body"] = rec.content_stream().read()
        out.append(entry)
    return out
