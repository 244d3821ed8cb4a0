"""Headers every response carries, the session cookie, and the CSRF check (issue 16).

- Content-Security-Policy: only our own stylesheet, fonts and images; no script at all (the
  pages work without JavaScript), no inline style, no framing, forms post only to us.
- Referrer-Policy no-referrer: a sign-in link in the address bar must never travel to another
  site in a Referer header.
- Pages behind the sign-in are `Cache-Control: no-store`, so a shared computer's cache keeps
  no indicator page after sign-out.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web
from yarl import URL

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self';"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
SESSION_COOKIE = "clusterbot_session"
LANGUAGE_COOKIE = "clusterbot_lang"
PRIVATE_PREFIXES = ("/dashboard",)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        _stamp(request, error)
        raise
    _stamp(request, response)
    return response


def _stamp(request: web.Request, response: web.StreamResponse) -> None:
    if response.prepared:
        return
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith(PRIVATE_PREFIXES):
        response.headers["Cache-Control"] = "no-store"


def same_origin(request: web.Request, public_url: str) -> bool:
    """A form posted from another site is refused (login CSRF: a page elsewhere could
    otherwise sign a visitor in with someone else's link, or sign them out).

    Browsers say where a request comes from in `Sec-Fetch-Site`; pages sent with
    `Referrer-Policy: no-referrer` (ours) make Chromium send `Origin: null` even for our own
    forms, so Origin only counts when it names a site. A client that sends neither (curl,
    an old browser) is judged by the token alone. Behind a proxy the listener may see its
    own address as the host, so the public URL's origin counts too."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return True
    allowed = {_origin(request.url)}
    if public_url:
        allowed.add(_origin(URL(public_url)))
    return _origin(URL(origin)) in allowed


def _origin(url: URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host or "", url.port)


def same_token(given: str | None, expected: str) -> bool:
    """CSRF: the form's token equals the session's, compared in constant time."""
    return bool(given) and hmac.compare_digest(str(given), expected)


def set_session_cookie(
    response: web.StreamResponse, value: str, *, secure: bool, max_age: int
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


def clear_session_cookie(response: web.StreamResponse, *, secure: bool) -> None:
    response.del_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="Lax")
