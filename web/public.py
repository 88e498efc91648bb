"""Where the site is reached from outside: its public address (`serve --public-url`, or
$REPORT_SEARCH_PUBLIC_URL), which every permalink and citation then uses, the proxy whose
forwarded headers count, and the hosts a request may carry when there is no public address, so
that no Host header a client makes up reaches a citation."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit


PUBLIC_URL_ENV = "REPORT_SEARCH_PUBLIC_URL"
LOOPBACK = ("localhost", "127.0.0.1", "::1")
_WILDCARD = ("", "0.0.0.0", "::")


def public_url(text: str) -> str:
    """`https://reports.example.org/search/` as given, with the final slash added: an http(s)
    address with a host and at most a path. ValueError saying what is wrong otherwise."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"the public address must start with https:// or http:// and name a host, e.g. "
                         f"https://reports.example.org/search/, not {text!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"the public address is a site's address: no ?query, #fragment or user@, not {text!r}")
    if not all(ch.isalnum() or ch in "-._~/%" for ch in parts.path):
        raise ValueError(f"the public address's path may hold letters, digits and - . _ ~ / only, not {parts.path!r}")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/"


def public_url_from_env() -> str | None:
    """$REPORT_SEARCH_PUBLIC_URL, checked (ValueError naming the variable), or None when it is
    unset or blank: the one reader of the variable, for `query`, `serve` and the app alike."""
    value = os.environ.get(PUBLIC_URL_ENV, "").strip()
    if not value:
        return None
    try:
        return public_url(value)
    except ValueError as exc:
        raise ValueError(f"{PUBLIC_URL_ENV}: {exc}") from None


def url_prefix(public: str | None) -> str:
    """The path the app is served under: /search for https://reports.example.org/search/."""
    return urlsplit(public).path.rstrip("/") if public else ""


def own_hosts(bind_host: str) -> list[str]:
    """The hosts a request to this server may carry when no public address or host list is
    configured (`host_allowed`): loopback, the address it listens on and, listening on every
    interface, the machine's own names and addresses."""
    names = [*LOOPBACK]
    if bind_host in _WILDCARD:
        machine = socket.gethostname()
        names += [machine, socket.getfqdn()]
        try:
            names += [info[4][0] for info in socket.getaddrinfo(machine, None)]
        except OSError:
            pass
    else:
        names.append(bind_host)
    return list(dict.fromkeys(n for n in names if n))


def trusted_proxy(text: str) -> str:
    """The proxy's address as waitress compares it with the peer's (127.0.0.1, ::1), or * for any
    peer. ValueError saying what is wrong otherwise (a name would silently never match)."""
    if text.strip() == "*":
        return "*"
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise ValueError(f"--trusted-proxy must be the proxy's IP address (127.0.0.1, ::1) or * for any, not {text!r}") from None


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """Whether a request's host (`request.host`: a name, an IPv4 address or a bracketed IPv6 one,
    with an optional port) is one of `allowed`. Names and IPv4 match as Flask's TRUSTED_HOSTS
    matches them (werkzeug's host_is_trusted: IDNA, a leading dot for subdomains, port ignored);
    IPv6 by value (::1 or [::1]), which host_is_trusted cannot do: it cuts an entry at its first
    colon, so no entry ever matches [::1]."""
    from werkzeug.sansio.utils import host_is_trusted  # here, not at the top: `report-search query` loads no werkzeug

    if host.startswith("["):
        inside, closed, port = host[1:].partition("]")
        literal = _ip(inside) if closed and (not port or port[0] == ":" and port[1:].isdigit()) else None
        return literal is not None and any(_ip(a) == literal for a in allowed)
    return host_is_trusted(host, list(allowed))


def netloc(host: str, port: int) -> str:
    """127.0.0.1:5000, [::1]:5000: a listening address as it is written in a URL."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
