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


def get(port: int, path: str, host: str, source: str = "127.0.0.1", forwarded: dict[str, str] | None = None,
        server: str = "127.0.0.1") -> tuple[int, dict[str, str], str]:
    """One raw HTTP/1.1 GET to `server` from `source` (loopback addresses) with this Host header
    and X-Forwarded-* headers ({"proto": "https"} → X-Forwarded-Proto: https): status, headers, body."""
    headers = {"Host": host, "Connection": "close", **{f"X-Forwarded-{k.title()}": v for k, v in (forwarded or {}).items()}}
    request = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    with socket.create_connection((server, port), timeout=20, source_address=(source, 0)) as s:
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


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback(), reason="this machine has no IPv6 loopback (::1) to serve on")
def test_served_on_ipv6_loopback_its_own_address_is_accepted_and_cited(index_path):
    """serve --host ::1: the start line is a URL a browser opens (http://[::1]:PORT/), a request to
    [::1]:PORT is answered (werkzeug's host_is_trusted alone refused it: 400 untrusted_host) and
    cited under that address; a made-up Host still gets the 400."""
    with serving(["--index", str(index_path.parent.parent), "--no-build", "--host", "::1"]) as (url, port):
        assert url == f"http://[::1]:{port}"
        status, _, body = get(port, "/healthz", host=f"[::1]:{port}", source="::1", server="::1")
        assert status == 200 and json.loads(body)["status"] == "ok"
        status, _, body = get(port, f"/export?q={TECH}&format=gbt", host=f"[::1]:{port}", source="::1", server="::1")
        assert status == 200 and permalinks(body) == {f"http://[::1]:{port}"}
        status, _, body = get(port, f"/api/search?q={TECH}", host="evil.example", source="::1", server="::1")
        assert status == 400 and json.loads(body)["error"]["code"] == "untrusted_host"


@pytest.mark.parametrize("host, allowed", [
    ("[::1]:5391", True), ("[::1]", True), ("[0:0:0:0:0:0:0:1]:80", True),  # IPv6 by value, any port
    ("[::2]:5391", False), ("[::1", False), ("[::1]x", False),
    ("127.0.0.1:5000", True), ("localhost:80", True),
    ("reports.example.org", True), ("a.lab.example.net", True), ("lab.example.net", True),  # .example.net: it and its subdomains
    ("evil.example", False), ("reports.example.org.evil.example", False), ("", False),
])
def test_an_allowed_host_is_a_name_as_flask_matches_it_or_an_ip_address_ipv6_too(host, allowed):
    from report_search.web.public import host_allowed

    assert host_allowed(host, ["localhost", "127.0.0.1", "::1", "reports.example.org", ".lab.example.net"]) is allowed


def test_the_allowed_hosts_are_the_apps_rule_for_every_route(engine):
    """--allowed-host [::1] as a user may write it: the app itself (not only `serve`) answers it."""
    from report_search.web.app import create_app

    client = create_app({"ENGINE": engine, "ALLOWED_HOSTS": ["[::1]", "reports.example.org"]}).test_client()
    assert client.get("/api/search?q=科技", headers={"Host": "[::1]:5000"}).status_code == 200
    assert client.get("/static/style.css", headers={"Host": "reports.example.org"}).status_code == 200
    for path in ("/api/search?q=科技", "/static/style.css", "/no-such-page"):  # refused before any route, static file or 404
        assert client.get(path, headers={"Host": "127.0.0.1"}).status_code == 400


@pytest.mark.parametrize("value", ["not an ip", "proxy.example.org", "127.0.0.1/8"])
def test_a_trusted_proxy_is_an_ip_address_or_star(run, value):
    """waitress compares trusted_proxy with the peer's address: anything else would never match."""
    result = run("serve", "--trusted-proxy", value, "--no-build")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("report-search: error: --trusted-proxy must be the proxy's IP address") and repr(value) in result.stderr


def test_the_public_address_variable_has_one_rule_for_serve_and_query(run, monkeypatch, index_path):
    """REPORT_SEARCH_PUBLIC_URL blank is unset for both (serve used to refuse it, query ignored it)."""
    from report_search.web.cli import _address_config, build_parser

    monkeypatch.setenv("REPORT_SEARCH_PUBLIC_URL", " ")
    assert _address_config(build_parser().parse_args(["serve"]))[0]["PUBLIC_URL"] is None
    result = run("query", "科创板", "--no-build", "--format", "gbt", "--index", str(index_path.parent.parent))
    assert result.returncode == 0 and "[R]." in result.stdout and "://" not in result.stdout
    monkeypatch.setenv("REPORT_SEARCH_PUBLIC_URL", PUBLIC.rstrip("/"))  # the slash added, for both alike
    assert _address_config(build_parser().parse_args(["serve"]))[0]["PUBLIC_URL"] == PUBLIC
    assert _address_config(build_parser().parse_args(["serve", "--trusted-proxy", "0:0::1"]))[1] == "::1"  # as waitress sees the peer
