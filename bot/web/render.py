"""Pages from Jinja2 templates, in the reader's language.

The language: `?lang=xx` (the switch on every page; remembered in a cookie), else that
cookie, else the browser's Accept-Language, else English. Templates get `_` (gettext),
`t` (the Translator: numbers, money and dates the Babel way), `lang`, and the `languages`
switch. Autoescaping is on for every template, so text a CDA or a survey typed never
becomes markup.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from aiohttp import web

from bot.i18n import N_, SHIPPED_LANGUAGES, Translator, native_name, translator
from bot.web.security import LANGUAGE_COOKIE

ERRORS = {
    401: N_(
        "Please sign in: send /dashboard to the bot in Telegram or WhatsApp and open the"
        " link it sends."
    ),
    403: N_("You may not see this page."),
    404: N_("There is no such page, or the cluster has not made its page public."),
    405: N_("There is no such page."),
    429: N_("Too many requests. Please wait a minute and try again."),
    500: N_("Something went wrong on our side. Please try again later."),
}
LINK_ERROR = N_(
    "This sign-in link has expired or was used already. Send /dashboard to the bot for a"
    " new one."
)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=jinja2.select_autoescape(("html", "xml")),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env


def _accepted(header: str) -> list[str]:
    """Primary language tags of an Accept-Language header, most wanted first."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, index, tag.split("-")[0].lower()))
    return [tag for _q, _i, tag in sorted(ranked)]


def language_of(request: web.Request) -> str:
    asked = request.query.get("lang", "")
    if asked in SHIPPED_LANGUAGES:
        return asked
    kept = request.cookies.get(LANGUAGE_COOKIE, "")
    if kept in SHIPPED_LANGUAGES:
        return kept
    for tag in _accepted(request.headers.get("Accept-Language", "")):
        if tag in SHIPPED_LANGUAGES:
            return tag
    return "en"


def translator_for(request: web.Request) -> Translator:
    return translator(language_of(request))


def _switch(request: web.Request) -> list[tuple[str, str, str]]:
    """(code, name in its own script, link) for the language switch."""
    keep = {k: v for k, v in request.query.items() if k != "lang"}
    found = []
    for code in SHIPPED_LANGUAGES:
        query = dict(keep, lang=code)
        found.append((code, native_name(code), str(request.rel_url.with_query(query))))
    return found


def page(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    return respond(request, html(request, template, **context), status=status)


def html(request: web.Request, template: str, **context: Any) -> str:
    """The page's HTML in the reader's language (`page` without the response)."""
    t = translator_for(request)
    return environment().get_template(template).render(
        _=t.gettext,
        t=t,
        lang=t.language,
        languages=_switch(request),
        **context,
    )


def respond(request: web.Request, text: str, *, status: int = 200) -> web.Response:
    """A page's response; a language chosen with ?lang= is remembered in a cookie."""
    response = web.Response(text=text, status=status, content_type="text/html")
    asked = request.query.get("lang", "")
    if asked in SHIPPED_LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != asked:
        response.set_cookie(
            LANGUAGE_COOKIE, asked, max_age=365 * 86400, path="/", samesite="Lax", httponly=True
        )
    return response


def error_page(request: web.Request, status: int, message: str | None = None) -> web.Response:
    t = translator_for(request)
    text = t.gettext(message or ERRORS.get(status, ERRORS[500]))
    return page(request, "error.html", status=status, message=text, title=str(status))
