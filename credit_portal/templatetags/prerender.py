"""`{% prerender %}`: render a piece of a template once per language and process.

Why: a Django template node costs several microseconds whatever it does, and a `{% translate %}`
about 15 (a lazy string, a catalogue lookup, escaping). The public profile, the hottest page of
the portal, prints some fifty labels. Runs of labels and markup that depend on nothing but the
language are worth rendering once:

    {% load prerender %}
    {% prerender %}<h2>{% translate "Basics" %}</h2><p>{% translate "Name" %}</p>{% endprerender %}

What may go inside is checked when the template is compiled, so the memo can never capture
request data: literal text, `{% translate "literal" %}` (no filters, no `as`),
`{% url 'name' 'literal' %}`, `{% static 'literal' %}` and comments. Anything else (a variable,
`{% if %}`, `{% blocktranslate %}`, a block...) is a TemplateSyntaxError. The memo is keyed by
the active language (and the script prefix when it holds a `{% url %}`), and lives on the
compiled node, so a template reloaded in development starts afresh. Static URLs come from the
storage, fixed for the life of the process.
"""

from __future__ import annotations

from django import template
from django.template.base import FilterExpression, Node, NodeList, Parser, TextNode, Token
from django.template.context import Context
from django.template.defaulttags import CommentNode, URLNode
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()


def _is_literal(expression: FilterExpression | None) -> bool:
    """A quoted string or number without filters (kept as such, or as a literal Variable)."""
    if expression is None or expression.filters:
        return False
    var = expression.var
    return isinstance(var, str) or getattr(var, "literal", None) is not None


def _is_fixed(node: Node) -> bool:
    """Whether the node renders the same output for every context, given the language."""
    if isinstance(node, TextNode | CommentNode):
        return True
    if isinstance(node, TranslateNode):
        return (
            node.asvar is None
            and node.message_context is None
            and _is_literal(node.filter_expression)
        )
    if isinstance(node, URLNode):
        return (
            node.asvar is None
            and _is_literal(node.view_name)
            and all(_is_literal(a) for a in node.args)
            and all(_is_literal(v) for v in node.kwargs.values())
        )
    if isinstance(node, StaticNode):
        return node.varname is None and _is_literal(node.path)
    return False


class PrerenderNode(Node):
    # {% extends %} searches the parent's node tree for blocks on every render: skip this
    # nodelist, which holds no block (checked at compile time).
    child_nodelists = ()

    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist
        self._has_urls = any(isinstance(node, URLNode) for node in nodelist)
        self._memo: dict[tuple[str | None, str], SafeString] = {}

    def render(self, context: Context) -> SafeString:
        key = (get_language(), get_script_prefix() if self._has_urls else "")
        output = self._memo.get(key)
        if output is None:
            output = self._memo[key] = self.nodelist.render(context)
        return output


@register.tag
def prerender(parser: Parser, token: Token) -> PrerenderNode:
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("{% prerender %} takes no arguments.")
    nodelist = parser.parse(("endprerender",))
    parser.delete_first_token()
    for node in nodelist:
        if not _is_fixed(node):
            raise template.TemplateSyntaxError(
                "{% prerender %} may hold only literal text, {% translate 'literal' %}, "
                f"{{% url 'name' %}} and {{% static 'path' %}}; found {node!r}."
            )
    return PrerenderNode(nodelist)
