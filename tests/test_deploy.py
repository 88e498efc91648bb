"""Deployed for a team (issue 18, points 1 and 4): the real server (`report-search serve`,
waitress) with a public address, behind a trusted proxy, and with neither — raw HTTP requests,
with and without forwarded headers, from the proxy's address and from another loopback address,
and what the citations and redirects they get back say."""

from __future__ import annotations

import json
import re
import socket
from urllib.parse import quote

import pytest

from serving import serving

PUBLIC = "https://reports.example.org/search/"
TECH = quote("科技")


def get(port: int, path: str, host: str, source: str = "127.0.0.1", forwarded: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """One raw HTTP/1.1 GET from `source` (a loopback address) with this Host header and
    X-Forwarded-* headers ({"proto": "https"} → X-Forwarded-Proto: https): status, headers, body."""
    headers = {"Host": host, "Connection": "close", **{f"X-Forwarded-{k.title()}": v for k, v in (forwarded or {}).items()}}
    request = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=20, source_address=(source, 0)) as s:
        s.sendall(request.encode("ascii"))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    return int(status.split()[1]), {k.lower(): v for k, v in (line.split(": ", 1) for line in lines)}, body.decode("utf-8")


def permalinks(body: str) -> set[str]:
    """The address part of every permalink in a body: what a citation points at."""
    return set(re.findall(r"(\w+://[^/\s\"]+(?:/[\w.-]+)*?)/p/\d{4}-[\w-]+-\d{4}", body))


@pytest.fixture(scope="module")
def public(index_path):
    """serve --public-url https://reports.example.org/search/, with 127.0.0.1 as the trusted proxy."""
    with serving(["--index", str(index_path.parent.parent), "--no-build", "--public-url", PUBLIC,
                  "--trusted-proxy", "127.0.0.1"]) as (_, port):
        yield port


@pytest.fixture(scope="module")
def proxied(index_path):
    """serve behind a proxy at 127.0.0.1, no public address, reports.example.org the allowed host."""
    with serving(["--index", str(index_path.parent.parent), "--no-build", "--trusted-proxy", "127.0.0.1",
                  "--allowed-host", "reports.example.org"]) as (_, port):
        yield port


def test_with_a_public_address_every_citation_uses_it_whatever_the_request_says(public):
    status, _, body = get(public, f"/search/export?q={TECH}&format=gbt", host="evil.example")
    assert status == 200 and body.count("\n") > 100
    assert permalinks(body) == {"https://reports.example.org/search"} and "evil" not in body
    # from the trusted proxy too: the public address, not what it forwards
    status, _, body = get(public, f"/search/api/search?q={TECH}", host="127.0.0.1", forwarded={"host": "evil.example"})
    hits = json.loads(body)["hits"]
    assert status == 200 and all(h["url"] == f"{PUBLIC}p/{h['id']}" and h["citation"].endswith(h["url"]) for h in hits)
    status, _, body = get(public, "/search/collection/download?id=2020-ch4-0177&format=bibtex", host="evil.example")
    assert f"url = {{{PUBLIC}p/2020-ch4-0177}}" in body


def test_with_a_public_address_the_app_serves_under_its_path(public):
    status, _, home = get(public, "/search/", host="reports.example.org")
    assert status == 200
    assert 'href="/search/static/style.css"' in home and 'action="/search/search"' in home and 'href="/search/collection"' in home
    assert get(public, "/search/static/style.css", host="reports.example.org")[0] == 200
    status, headers, _ = get(public, "/search", host="reports.example.org")  # the prefix alone: to its home page
    assert status == 308 and headers["location"] == "/search/"
    status, headers, _ = get(public, f"/search/api//search?q={TECH}", host="evil.example")  # werkzeug's slash merging
    assert status == 308 and headers["location"] == f"/search/api/search?q={TECH}"  # relative: never another host
    status, _, page = get(public, f"/search/p/2020-ch4-0177?back=/search%3Fq%3D{TECH}", host="reports.example.org")
    assert status == 200 and 'href="/search/search?q=科技"' in page  # the way back, under the path


def test_forwarded_headers_count_only_from_the_trusted_proxy(proxied):
    forwarded = {"proto": "https", "host": "reports.example.org", "prefix": "/search"}
    status, _, body = get(proxied, f"/api/search?q={TECH}", host=f"127.0.0.1:{proxied}", forwarded=forwarded)
    assert status == 200 and {h["url"].rsplit("/p/", 1)[0] for h in json.loads(body)["hits"]} == {"https://reports.example.org/search"}
    status, _, page = get(proxied, "/", host=f"127.0.0.1:{proxied}", forwarded=forwarded)
    assert 'href="/search/static/style.css"' in page  # the prefix the proxy strips, put back into links
    status, headers, _ = get(proxied, f"/api//search?q={TECH}", host=f"127.0.0.1:{proxied}", forwarded=forwarded)
    assert status == 308 and headers["location"] == f"/search/api/search?q={TECH}"
    # the same headers from another address are not the proxy's: ignored, the Host header counts
    status, _, body = get(proxied, f"/api/search?q={TECH}", host="reports.example.org", source="127.0.0.2", forwarded=forwarded)
    assert status == 200 and permalinks(body) == {"http://reports.example.org"}
    status, headers, _ = get(proxied, f"/api//search?q={TECH}", host="reports.example.org", source="127.0.0.2", forwarded=forwarded)
    assert headers["location"] == f"/api/search?q={TECH}"


@pytest.mark.parametrize("source", ["127.0.0.1", "127.0.0.2"])
def test_a_host_not_allowed_never_reaches_a_citation(proxied, source):
    """Forwarded by the proxy or sent by a client, evil.example is refused: 400, no citation."""
    forwarded = {"host": "evil.example"} if source == "127.0.0.1" else {}
    host = f"127.0.0.1:{proxied}" if forwarded else "evil.example"
    status, _, body = get(proxied, f"/export?q={TECH}&format=gbt", host=host, source=source, forwarded=forwarded)
    assert status == 400 and "evil.example" in body and "/p/" not in body
    status, headers, body = get(proxied, f"/api/search?q={TECH}", host=host, source=source, forwarded=forwarded)
    assert status == 400 and json.loads(body)["error"]["code"] == "untrusted_host"


def test_without_configuration_only_this_servers_own_names_reach_a_citation(server):
    port = int(server.rsplit(":", 1)[1])
    for path in (f"/export?q={TECH}&format=gbt", f"/api/search?q={TECH}"):  # curl -H 'Host: evil.example' …
        status, _, body = get(port, path, host="evil.example")
        assert status == 400 and "/p/" not in body and "--public-url" in body
    status, _, body = get(port, f"/export?q={TECH}&format=gbt", host=f"127.0.0.1:{port}")
    assert status == 200 and permalinks(body) == {f"http://127.0.0.1:{port}"}  # the request's own host, as before


def test_the_app_refuses_a_made_up_host_without_a_public_address(client):
    """Flask's TRUSTED_HOSTS, loopback by default: the app as tests and `--debug` make it."""
    response = client.get("/export?q=科技&format=gbt", headers={"Host": "evil.example"})
    assert response.status_code == 400 and "evil.example" in response.get_data(as_text=True)
    assert client.get("/api/search?q=科技", headers={"Host": "evil.example"}).get_json()["error"]["code"] == "untrusted_host"
    assert client.get("/api/search?q=科技", headers={"Host": "localhost:5000"}).status_code == 200


@pytest.mark.parametrize("value, message", [("reports.example.org", "must start with https://"),
                                            ("https://reports.example.org/?x=1", "no ?query"),
                                            ("ftp://reports.example.org/", "must start with https://")])
def test_a_bad_public_address_is_one_line(run, value, message, monkeypatch):
    result = run("serve", "--public-url", value, "--no-build")
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    monkeypatch.setenv("REPORT_SEARCH_PUBLIC_URL", value)
    result = run("query", "科创板", "--no-build")
    assert result.returncode == 2 and "REPORT_SEARCH_PUBLIC_URL" in result.stderr and message in result.stderr


def test_this_servers_own_names_are_loopback_its_address_and_listening_everywhere_the_machines():
    from report_search.web.public import own_hosts

    assert own_hosts("127.0.0.1") == ["localhost", "127.0.0.1", "::1"]
    assert own_hosts("192.0.2.7") == ["localhost", "127.0.0.1", "::1", "192.0.2.7"]
    assert socket.gethostname() in own_hosts("0.0.0.0") and socket.getfqdn() in own_hosts("::")
