import pytest
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import translation

LIBRARIES = {"prerender": "credit_portal.templatetags.prerender"}


def engine() -> Engine:
    return Engine(libraries=LIBRARIES, builtins=["django.templatetags.i18n"])


def test_prerender_renders_once_per_language():
    template = engine().from_string(
        "{% load prerender %}{% prerender %}<b>{% translate 'Log in' %}</b> "
        "<a href=\"{% url 'public:search' %}\">x</a>{% endprerender %}"
    )
    with translation.override("zh-hans"):
        assert template.render(Context()) == '<b>登录</b> <a href="/credit/">x</a>'
    with translation.override("en"):
        assert template.render(Context()) == '<b>Log in</b> <a href="/credit/">x</a>'
    (node,) = [n for n in template.nodelist if type(n).__name__ == "PrerenderNode"]
    node.nodelist = []  # rendered output is memoised: the nodes are not rendered again
    with translation.override("en"):
        assert template.render(Context()) == '<b>Log in</b> <a href="/credit/">x</a>'
    with translation.override("zh-hans"):
        assert template.render(Context()) == '<b>登录</b> <a href="/credit/">x</a>'


@pytest.mark.parametrize(
    "body",
    [
        "{{ name }}",
        "{% translate name %}",
        "{% translate 'Log in' as label %}",
        "{% translate 'Log in'|upper %}",
        "{% if x %}a{% endif %}",
        "{% url view_name %}",
        "{% url 'public:profile' uscc %}",
        "{% blocktranslate %}Log in{% endblocktranslate %}",
        "{% block b %}{% endblock %}",
    ],
)
def test_prerender_refuses_anything_that_depends_on_the_context(body):
    with pytest.raises(TemplateSyntaxError, match="may hold only literal text"):
        engine().from_string("{% load prerender %}{% prerender %}" + body + "{% endprerender %}")


def test_prerender_takes_no_arguments():
    with pytest.raises(TemplateSyntaxError, match="takes no arguments"):
        engine().from_string("{% load prerender %}{% prerender x %}{% endprerender %}")
