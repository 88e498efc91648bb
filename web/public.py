"""Where the site is reached from outside: its public address (`serve --public-url`, or
$REPORT_SEARCH_PUBLIC_URL), which every permalink and citation then uses, and the host names a
request may carry when there is none (Flask's TRUSTED_HOSTS), so that no Host header a client
makes up reaches a citation."""

from __future__ import annotations

import os
import socket
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
    """$REPORT_SEARCH_PUBLIC_URL, checked (ValueError naming the variable), or None."""
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
    """The names a request to this server may carry when no public address or host list is
    configured: loopback, the address it listens on and, listening on every interface, the
    machine's own names and addresses."""
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
