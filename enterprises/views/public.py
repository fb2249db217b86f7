"""Public credit lookup pages, no login (namespace "public", mounted at /credit/).

Both pages are rate-limited per client address with the throttle the public API uses
(`credit_portal.throttling`), and read through `enterprises.public`, which decides what is
public. Each page makes a constant number of queries: the search two (capped count, page),
the profile one on PostgreSQL (two elsewhere; `enterprises.public.public_profile`). A whole
credit code typed into the search is looked up first (one query) and, when registered, opens
its profile instead of a list of one.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import get_script_prefix, path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from credit_portal.jinja2 import page_template
from credit_portal.layout import render_in_layout
from credit_portal.throttling import public_throttle
from enterprises.public import (
    SEARCH_PAGE_SIZE,
    PublicSearchPaginator,
    public_code_registered,
    public_enterprise_from,
    public_profile,
    public_search,
    search_code_problems,
)
from enterprises.uscc import looks_like_uscc, normalize


class PublicSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Credit code, registration number or name"),
        max_length=100,
        required=True,
        error_messages={
            "required": _("Enter a credit code, an old registration number or a name."),
            "max_length": _("Enter at most %(limit_value)d characters."),
        },
    )  # rendered by hand in templates_jinja2/public/search.html


@require_safe
@public_throttle
def search(request: HttpRequest) -> HttpResponse:
    form = PublicSearchForm(request.GET if "q" in request.GET else None)
    context: dict[str, object] = {
        "form": form,
        "searched": form.is_bound,
        "query": "",
        "page": None,
        "paginator": None,
        "rows": [],
        "results_summary": "",
        "code_problems": [],
    }
    if form.is_valid():
        text = form.cleaned_data["q"]
        code = normalize(text)
        if looks_like_uscc(code) and public_code_registered(uscc=code):
            # A whole credit code (in any case, full-width or spaced) opens its profile.
            return redirect("public:profile", uscc=code)
        paginator = PublicSearchPaginator(public_search(text=text), SEARCH_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        today = timezone.localdate()
        context.update(
            {
                "query": text,
                "page": page,
                "paginator": paginator,
                "rows": [public_enterprise_from(e, on=today) for e in page.object_list],
                # Plural forms: translated here (the Jinja2 body's labels are singular).
                "results_summary": ngettext(
                    "%(counter)s market entity matches “%(q)s”",
                    "%(counter)s market entities match “%(q)s”",
                    paginator.count,
                )
                % {"counter": paginator.count, "q": text},
                "code_problems": search_code_problems(text) if paginator.count == 0 else [],
            }
        )
    # The public entry page: a Jinja2 body in the shared layout, like the profile below.
    body = page_template("public/search.html").render(context)
    title = gettext("Public credit lookup")
    return render_in_layout(
        request,
        title=f"{context['query']} · {title}" if context["query"] else title,
        head=_public_css(),
        body=mark_safe(body),  # Jinja2 escaped every value it printed
    )


_css_links: dict[str, SafeString] = {}


@receiver(setting_changed)
def _forget_css_links(**kwargs: object) -> None:
    _css_links.clear()  # a test may change STATIC_URL or the storage


def _public_css() -> SafeString:
    """The stylesheet link of the public pages. The hashed name comes from the staticfiles
    manifest, which is fixed for the life of the process, so it is looked up once per script
    prefix (the lookup was 4 % of a profile page's CPU); with DEBUG on, every time."""
    prefix = get_script_prefix()
    link = _css_links.get(prefix)
    if link is None:
        link = format_html('<link rel="stylesheet" href="{}">', static("css/public.css"))
        if not settings.DEBUG:
            _css_links[prefix] = link
    return link


@require_safe
@public_throttle
def profile(request: HttpRequest, uscc: str) -> HttpResponse:
    code = normalize(uscc)
    if code != uscc and looks_like_uscc(code):
        return redirect("public:profile", uscc=code, permanent=True)
    data = public_profile(uscc=code, on=timezone.localdate())
    if data is None:
        raise Http404("unknown or malformed credit code")
    # The hottest page: its body is a Jinja2 template in the shared layout (credit_portal.layout).
    body = page_template("public/profile.html").render({"profile": data, "ent": data.enterprise})
    return render_in_layout(
        request,
        title=f"{data.enterprise.name} · {gettext('Public credit lookup')}",
        head=_public_css(),
        body=mark_safe(body),  # Jinja2 escaped every value it printed
    )


urlpatterns = [
    path("", search, name="search"),
    path("<str:uscc>/", profile, name="profile"),
]
