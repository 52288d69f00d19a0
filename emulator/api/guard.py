"""What the server trusts: Host names, origins, content types and the control-plane token.

The control plane (/_emulator) has no API key on loopback, so everything a web
page can make a browser send is refused before any route runs:

* a Host name other than the bound address, loopback names and ``--allowed-host``
  (a DNS-rebinding page reaches the emulator under the attacker's own name);
* a state change (POST, PUT, PATCH, DELETE) from another origin (``Origin``, or
  ``Sec-Fetch-Site: cross-site``/``same-site``, which is another port of the same host);
* a state-changing body in a type a page can send without a CORS preflight
  (``text/plain``, forms): only JSON and YAML are read;
* bound beyond loopback, a control-plane request without the ``X-Emulator-Token``.

Sinks are webhook receivers: they take any content type and no token (other
services post to them), but still refuse a foreign Origin. The guard is the
outermost middleware, so a refused request changes nothing, not even the journal.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import unquote_to_bytes, urlsplit

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from emulator.api.errors import error_response
from emulator.config import TOKEN_HEADER, Config

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# In-process only (httpx ASGITransport, starlette's TestClient, schemathesis): no socket,
# so no browser can reach these. ".test" is reserved (RFC 6761) and never resolves.
IN_PROCESS_NAMES = frozenset({"testserver", "test"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BODY_TYPES = ("application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
FOREIGN_FETCH = (b"cross-site", b"same-site")  # same-site: another port or subdomain of this host
OPEN_ROUTES = (
    ("GET", "/_emulator/health"),
    ("HEAD", "/_emulator/health"),  # liveness probes
    # The dashboard's page and assets: no data in them; the page asks for the token.
    ("GET", "/_emulator/ui"),
    ("GET", "/_emulator/ui/app.js"),
    ("GET", "/_emulator/ui/app.css"),
)
STREAM = "/_emulator/events/stream"  # an EventSource cannot send headers: the token may come as ?token=
HOST_NAME = re.compile(r"^([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$")  # as in a Host header
TOKEN = re.compile(r"^[!-~]{1,256}$")  # visible ASCII: what a header carries unchanged


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked(config: Config) -> Config:
    """``config``, its exposure settings refused (ValueError, naming the problem) when unusable."""
    for raw in config.allowed_hosts:
        if raw != "*" and not HOST_NAME.fullmatch(raw):
            raise ValueError(
                f"allowed host {raw!r}: give a name or address as a Host header carries it "
                "(like emulator.internal or 10.0.0.5:8787), with no scheme or path"
            )
    if config.control_token is not None and not TOKEN.fullmatch(config.control_token):
        raise ValueError("control token: use 1 to 256 visible ASCII characters (no spaces)")
    return config


def with_token(config: Config) -> Config:
    """``config`` with an unguessable control token when it binds beyond loopback and has none."""
    if checked(config).control_token or is_loopback(config.host):
        return config
    return replace(config, control_token=secrets.token_urlsafe(24))


@dataclass(frozen=True)
class Policy:
    names: frozenset[str]  # lower-case host names, without port or brackets
    any_host: bool = False  # --allowed-host '*'
    any_ip: bool = False  # bound to every interface: clients come by any of its addresses
    in_process: bool = False
    token: str | None = None
    # Host header values already judged (a client sends the same one every time): a lookup, not a parse.
    judged: dict[bytes, bool] = field(default_factory=dict, compare=False, repr=False)

    def allows(self, host: bytes) -> bool:
        verdict = self.judged.get(host)
        if verdict is None:
            verdict = self.allows_host(_host_name(host.decode("latin-1")))
            if len(self.judged) < 1024:  # bounded: a scan of made-up names cannot grow it
                self.judged[host] = verdict
        return verdict

    def allows_host(self, name: str) -> bool:
        if self.any_host or name in self.names or name.endswith(".localhost"):
            return True
        if self.in_process and (name in IN_PROCESS_NAMES or name.endswith(".test")):
            return True
        return self.any_ip and _is_ip(name)


def policy_for(config: Config, bound: Iterable[str] | None = None) -> Policy:
    """The policy of an app served on the ``bound`` addresses (the --host given, the socket's
    address), or in-process (None)."""
    extra = {_host_name(h) for h in checked(config).allowed_hosts}
    own = {_host_name(b) for b in bound or ()}
    wildcard = any(_is_ip(b) and ipaddress.ip_address(b).is_unspecified for b in own)
    token = config.control_token or None
    if token is None and not all(is_loopback(b) for b in own):
        token = secrets.token_urlsafe(24)
    return Policy(
        names=frozenset(LOOPBACK_NAMES | extra | own) - {"*"},
        any_host="*" in extra,
        any_ip=wildcard,
        in_process=bound is None,
        token=token,
    )


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _host_name(raw: str) -> str:
    """``example.com:8787`` -> ``example.com``; ``[::1]:80`` -> ``::1``; lower case."""
    raw = raw.strip().lower()
    if raw.startswith("["):
        return raw[1:].partition("]")[0]
    if raw.count(":") == 1:  # name:port (a bare IPv6 address has several colons)
        return raw.partition(":")[0]
    return raw


def _headers(scope: Scope) -> dict[bytes, bytes]:
    # The first of each name wins: a second Host header is not a way around the check.
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        found.setdefault(name, value)
    return found


def _origin_matches(origin: str, host: str) -> bool:
    """The page's origin is this server as the client named it (scheme aside: the port decides)."""
    try:
        o, h = urlsplit(origin), urlsplit("//" + host)
        default = {"http": 80, "https": 443}.get(o.scheme)
        return bool(o.hostname) and o.hostname == h.hostname and (o.port or default) == (h.port or default)
    except ValueError:
        return False


def check(policy: Policy, scope: Scope) -> None:
    """Raise Refused for a request the policy does not serve."""
    raw = next((value for name, value in scope["headers"] if name == b"host"), b"")  # the first one counts
    if raw and not policy.allows(raw):
        raise Refused(
            403,
            f"Host {raw.decode('latin-1')!r} is not served here (DNS rebinding protection); "
            "allow a name with --allowed-host (env CALLINGBOX_EMULATOR_ALLOWED_HOSTS)",
        )
    path, method = scope["path"], scope["method"]
    if not (path == "/_emulator" or path.startswith("/_emulator/")):
        return
    headers, host = _headers(scope), raw.decode("latin-1")
    sink = path.startswith("/_emulator/sinks/") and path.count("/") == 3  # a sink itself, not its /wait
    if policy.token and not (sink and method == "POST") and (method, path) not in OPEN_ROUTES:
        given = headers.get(TOKEN_HEADER.lower().encode(), b"")
        if not given and path == STREAM and method == "GET":
            given = _query_token(scope)
        if not hmac.compare_digest(given, policy.token.encode()):
            raise Refused(
                401,
                f"the control plane needs the {TOKEN_HEADER} header "
                f"({'wrong token' if given else 'missing'}); `up` prints the token in its banner",
            )
    if method in SAFE_METHODS:
        return
    fetch = headers.get(b"sec-fetch-site", b"").lower()
    if fetch in FOREIGN_FETCH:
        raise Refused(
            403,
            f"cross-site request refused: Sec-Fetch-Site is {fetch.decode('latin-1')}; "
            "the control plane only takes state changes from its own origin or a non-browser client",
        )
    origin = headers.get(b"origin", b"").decode("latin-1")
    if origin and not _origin_matches(origin, host):
        raise Refused(403, f"cross-site request refused: Origin {origin!r} is not this server's origin")
    if not sink:
        _check_body_type(headers)


def _check_body_type(headers: dict[bytes, bytes]) -> None:
    length = headers.get(b"content-length", b"").strip()
    if not (b"transfer-encoding" in headers or (length and length != b"0")):
        return  # nothing to read, nothing a page could forge
    media = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
    if media not in BODY_TYPES and not media.endswith("+json"):
        raise Refused(
            415,
            f"Content-Type must be application/json (application/yaml for scenarios), "
            f"got {media or 'none'}; the control plane refuses types a web page can send cross-site",
        )


def _query_token(scope: Scope) -> bytes:
    for pair in scope.get("query_string", b"").split(b"&"):
        name, _, value = pair.partition(b"=")
        if name == b"token":
            return unquote_to_bytes(value)
    return b""


def describe_hosts(policy: Policy) -> str:
    """The Host names served, for the banner."""
    if policy.any_host:
        return "any (--allowed-host '*': no DNS-rebinding protection)"
    shown = sorted(f"[{n}]" if ":" in n else n for n in policy.names | {"*.localhost"})
    return ", ".join(shown) + (", any IP address" if policy.any_ip else "")


class GuardMiddleware:
    """Pure ASGI (no task or stream per request); also ends a vanished client's request quietly."""

    def __init__(self, app: ASGIApp, policy: Policy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        try:
            check(self.policy, scope)
        except Refused as refused:
            return await error_response(refused.status, refused.message)(scope, receive, send)
        try:
            await self.app(scope, receive, send)
        except ClientDisconnect:
            # The client left mid-body: nobody to answer, nothing to log (it is not a server error).
            return
