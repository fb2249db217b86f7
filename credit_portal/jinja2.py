"""The Jinja2 environment of the portal's second template engine.

Why a second engine: Django templates cost several microseconds a node, and the public profile
(the hottest page: public, uncached, 1M entities) prints some hundred values and labels. The
same page body in Jinja2, which compiles templates to Python code, renders several times faster
(measured, bench/public_profile_bench.py). Every other page stays a Django template; Jinja2
templates live in ``templates_jinja2/`` and render only the body of a page, which
`credit_portal.layout.render_in_layout` puts into the one layout, ``templates/base.html``.

Labels are translated when the template is compiled, once per language and process: load
``"public/profile.html@zh-hans"`` (see `page_template`) and every ``_("Literal")`` in it is
already Chinese text in the compiled code, escaped once. Loaded without the ``@language``
suffix, ``_()`` translates at render time as usual. Translations change with a deploy, which
restarts the processes, so the compiled labels are never stale.

Rules for templates in ``templates_jinja2/`` (so Django's ``makemessages`` extracts their
strings, with the same message ids as the Django templates):
- a label is ``{{ _("Literal text") }}``;
- a label with values is ``{{ _("From %(start)s to %(end)s")|format(start=a, end=b) }}``
  (old-style gettext: ``_`` only translates, ``format`` fills in; the result is escaped);
- no ``{% trans %}`` blocks (``makemessages`` does not read them).
Autoescaping is on, and an undefined variable is an error, not an empty string.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import engines
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from jinja2 import BaseLoader, Environment, StrictUndefined
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

LANGUAGE_SEPARATOR = "@"


def iso_date(value: dt.date | None) -> str:
    """2026-03-01, as the publicity system prints dates; empty for None.

    `isoformat()` costs a fraction of Django's `date` filter's format parsing, and the public
    profile prints a dozen dates on the hottest page of the portal.
    """
    return value.isoformat() if isinstance(value, dt.date) else ""


_urls: dict[tuple[str, str], str] = {}


@receiver(setting_changed)
def _forget_urls(**kwargs: Any) -> None:
    """A test may switch the URLconf (ROOT_URLCONF): forget what was resolved."""
    _urls.clear()


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """``{{ url("public:search") }}``: Django's reverse, as ``{% url %}`` does; a URL without
    arguments is resolved once per script prefix (the URLconf is fixed for the process)."""
    if args or kwargs:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    key = (name, get_script_prefix())
    found = _urls.get(key)
    if found is None:
        found = _urls[key] = reverse(name)
    return found


class LanguageLoader(BaseLoader):
    """Loads ``name@language`` as ``name``; the suffix only makes a separate compiled template
    per language, which `CompileTimeTranslation` fills with that language's labels."""

    def __init__(self, inner: BaseLoader) -> None:
        self.inner = inner

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        name = template.partition(LANGUAGE_SEPARATOR)[0]
        return self.inner.get_source(environment, name)

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


class CompileTimeTranslation(Extension):
    """In a template loaded as ``name@language``, replace ``_("literal")`` by its translation
    (a string constant, which Jinja2 escapes once at compile time)."""

    def filter_stream(self, stream: TokenStream) -> Iterable[Token]:
        language = (stream.name or "").partition(LANGUAGE_SEPARATOR)[2]
        if not language:
            return stream
        return self._translated(list(stream), language)

    @staticmethod
    def _translated(tokens: list[Token], language: str) -> list[Token]:
        out: list[Token] = []
        with translation.override(language):
            i = 0
            while i < len(tokens):
                window = tokens[i : i + 4]
                if [t.type for t in window] == ["name", "lparen", "string", "rparen"] and (
                    window[0].value == "_"
                ):
                    out.append(Token(window[2].lineno, "string", gettext(window[2].value)))
                    i += 4
                    continue
                out.append(tokens[i])
                i += 1
        return out


def environment(**options: Any) -> Environment:
    options["undefined"] = StrictUndefined  # Django's backend would default to a lenient one
    options["loader"] = LanguageLoader(options["loader"])
    env = Environment(extensions=["jinja2.ext.i18n", CompileTimeTranslation], **options)  # noqa: S701 (autoescape: Django's backend sets it on)
    env.install_gettext_callables(gettext, ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.globals.update({"static": static, "url": url})
    env.filters["iso_date"] = iso_date
    return env


def page_template(name: str) -> Any:
    """The Jinja2 template `name` (in ``templates_jinja2/``) compiled for the active language."""
    language = translation.get_language() or "en"
    return engines["jinja2"].get_template(f"{name}{LANGUAGE_SEPARATOR}{language}")
