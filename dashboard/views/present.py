"""What the dashboard page shows, built from the ONE `Dashboard` object (`dashboard_for`): the
seed's three sections, each a row of figure tiles (value, unit, label, the list behind it) and
the charts of its breakdowns (`dashboard.charts`). No query is made here: every number comes
from the object, so the page, the API and the report agree by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dashboard import charts
from dashboard.charts import Bar, Series
from dashboard.measures import SECTION_CLASSIFIED, SECTION_LABELS, SECTION_LENIENCY, Measure

# Tones (CSS modifiers of dashboard.css) of well-known keys.
TONES: dict[str, str] = {
    "A": "A",
    "B": "B",
    "C": "C",
    "D": "D",
    "X": "X",
    "IB": "muted",
    "NR": "warn",
    "met": "ok",
    "missed": "bad",
    "overdue": "bad",
    "open": "muted",
    "pending": "muted",
    "filed_in_time": "ok",
    "listed": "bad",
    "closed_other": "muted",
    "approved": "ok",
    "refused": "bad",
    "not_accepted": "warn",
    "withdrawn": "muted",
    "random": "default",
    "control": "control",
    "triggered": "warn",
    "wd5": "ok",
    "wd10": "default",
    "wd15": "warn",
    "over15": "bad",
}

# Breakdowns whose total is a tile of its section beside the plain figures.
TILE_TOTALS = ("risk.classes", "inspections.done", "inspections.problems")
# Measures drawn by a chart of their own below (not by the generic one).
STACKED = ("buffer_funnel", "publication_deadline", "removal_deadline", "inspections.publication")
# Funnels: their total (what entered) is the measure's "" key, their parts the breakdown.
FUNNELS = ("buffer_funnel",)
# Figures shown together in one bar chart (section, title, codes).
GROUPS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (
        SECTION_LENIENCY,
        "leniency",
        ("lighter", "mitigated", "exempted", "first_violation", "standard"),
    ),
    (SECTION_LENIENCY, "letters", ("prompts", "suggestions", "admonitions", "interviews")),
)
HANDLED = {
    "risk.classes",
    "risk.trend",
    "risk.moves",
    "risk.moves_year",
    "inspections.class_done",
    "inspections.class_problems",
    "inspections.done",
    "inspections.problems",
    *STACKED,
}


@dataclass
class Tile:
    code: str
    label: Any
    value: int
    unit: str
    unit_label: Any
    url: str | None
    help: Any = ""
    seed: bool = False
    all_streets: bool = False  # a street is chosen but this figure is not counted by street

    @property
    def display(self) -> str:
        return f"{self.value:,}"


@dataclass
class Chart:
    code: str
    title: str
    html: SafeString
    note: str = ""
    url: str | None = None
    wide: bool = False


@dataclass
class Section:
    number: int
    title: Any
    tiles: list[Tile] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


def _key_url(measure: Measure, year: int, street: str) -> Callable[[str], str | None]:
    key_url = measure.extra.get("key_url")
    fallback = measure.list_url(year, street) if measure.list_url else None

    def url(key: str) -> str | None:
        if callable(key_url):
            return key_url(year, street, key)
        return fallback

    return url


class PageBuilder:
    """Builds the three sections from a `Dashboard` (H1's `dashboard.selectors.Dashboard`)."""

    def __init__(self, d: Any) -> None:
        self.d = d
        self.measures: dict[str, Measure] = d.measures
        self.used: set[str] = set()

    # ------------------------------------------------------------------ helpers
    def has(self, code: str) -> bool:
        return code in self.measures

    def unit(self, code: str) -> str:
        """The unit printed beside a chart's numbers: the seed's own (户, 件, 份, 户次) in
        Chinese, its English word in English."""
        m = self.measures[code]
        return m.unit if (get_language() or "").startswith("zh") else str(m.unit_label)

    def list_url(self, code: str) -> str | None:
        m = self.measures[code]
        return m.list_url(self.d.year, self.d.street) if m.list_url else None

    def tile(self, code: str) -> Tile:
        f = self.d.figure(code)
        m = self.measures[code]
        return Tile(
            code=code,
            label=f.label,
            value=f.value,
            unit=f.unit,
            unit_label=f.unit_label,
            url=f.url,
            help=f.help,
            seed=f.seed,
            all_streets=bool(self.d.street) and not m.by_street,
        )

    def bars(self, code: str, *, skip_zero_keys: Sequence[str] = ()) -> list[Bar]:
        m = self.measures[code]
        values = self.d.breakdown(code)
        labels = self.d.labels(code)
        url = _key_url(m, self.d.year, self.d.street)
        total = sum(values.values())
        out = []
        for key, n in values.items():
            if key in skip_zero_keys and not n:
                continue
            out.append(
                Bar(
                    label=str(labels.get(key, key)),
                    value=n,
                    url=url(key),
                    tone=TONES.get(key, ""),
                    note=charts.percent(n, total),
                )
            )
        return out

    # ------------------------------------------------------------------ charts
    def chart_classes(self) -> Chart | None:
        if not self.has("risk.classes"):
            return None
        bars = self.bars("risk.classes", skip_zero_keys=("X",))
        title = str(self.measures["risk.classes"].label)
        return Chart(
            "risk.classes",
            title,
            charts.bar_chart(
                chart_id="ch-classes",
                title=title,
                desc=_("Enterprises in each risk class, with the share of all."),
                bars=bars,
                unit=self.unit("risk.classes"),
            ),
            note=str(self.measures["risk.classes"].help),
            url=self.list_url("risk.classes"),
        )

    def chart_trend(self) -> Chart | None:
        if not self.has("risk.trend"):
            return None
        values = self.d.breakdown("risk.trend")
        months = [f"{m:02d}" for m in range(1, 13)]
        seen = [m for m in months if any(values.get(f"{m}>{c}", 0) for c in "ABCD")]
        if not seen:
            series: list[Series] = []
            x_labels = months
        else:
            x_labels = months[: int(seen[-1])]
            series = [
                Series(
                    label=c,
                    values=[(values.get(f"{m}>{c}", 0) if m in seen else None) for m in x_labels],
                    tone=c,
                )
                for c in "ABCD"
            ]
        title = str(self.measures["risk.trend"].label)
        return Chart(
            "risk.trend",
            title,
            charts.line_chart(
                chart_id="ch-trend",
                title=title,
                desc=_("Enterprises in classes A, B, C and D at the end of each month."),
                x_labels=x_labels,
                series=series,
            ),
            note=str(self.measures["risk.trend"].help),
            url=self.list_url("risk.trend"),
        )

    def chart_predict(self) -> Chart | None:
        """Share with problems per class when drawn (random draws), the control draw and the
        triggered inspections beside them: does the classification predict?"""
        if not (self.has("inspections.class_done") and self.has("inspections.done")):
            return None
        done = self.d.breakdown("inspections.class_done")
        problems = self.d.breakdown("inspections.class_problems")
        labels = self.d.labels("inspections.class_done")
        url = self.list_url("inspections.class_done")
        bars = []
        for key, n in done.items():
            if not n and key not in ("A", "B", "C", "D"):
                continue
            k = problems.get(key, 0)
            bars.append(
                Bar(
                    label=str(labels.get(key, key)),
                    value=100.0 * k / n if n else 0,
                    text=f"{charts.percent(k, n)} ({k:,}/{n:,})",
                    url=url,
                    tone=TONES.get(key, ""),
                )
            )
        by_origin = self.d.breakdown("inspections.done")
        found = self.d.breakdown("inspections.problems")
        origin_labels = self.d.labels("inspections.done")
        for key in ("control", "triggered"):
            n, k = by_origin.get(key, 0), found.get(key, 0)
            bars.append(
                Bar(
                    label=str(origin_labels.get(key, key)),
                    value=100.0 * k / n if n else 0,
                    text=f"{charts.percent(k, n)} ({k:,}/{n:,})",
                    url=_key_url(self.measures["inspections.done"], self.d.year, self.d.street)(
                        key
                    ),
                    tone=TONES.get(key, ""),
                )
            )
        title = _("Share of inspections that found problems, by class when drawn")
        return Chart(
            "inspections.predict",
            title,
            charts.bar_chart(
                chart_id="ch-predict",
                title=title,
                desc=_(
                    "For each risk class, the share of random inspections with a result that "
                    "found problems; then the control draw and the triggered inspections. If "
                    "the classes predict, the share rises from A to D."
                ),
                bars=bars,
                scale_to=100,
            ),
            note=_(
                "Does the classification predict? Random draws by the class each firm had "
                "when drawn."
            ),
            url=url,
        )

    def chart_moves(self, code: str) -> Chart | None:
        if not self.has(code):
            return None
        m = self.measures[code]
        axis = [(k, str(label)) for k, label in m.keys]
        cells = self.d.matrix(code)
        title = str(m.label)
        return Chart(
            code,
            title,
            charts.transition_table(
                table_id=f"tt-{code.replace('.', '-')}",
                caption=title,
                axis=axis,
                cells=cells,
                row_head=_("class before"),
                col_head=_("class after"),
            ),
            note=str(m.help),
            url=self.list_url(code),
        )

    def chart_stacked(self, code: str) -> Chart | None:
        if not self.has(code):
            return None
        m = self.measures[code]
        values = self.d.breakdown(code)
        labels = self.d.labels(code)
        funnel = code in FUNNELS
        url = _key_url(m, self.d.year, self.d.street)
        parts = [
            Bar(label=str(labels.get(k, k)), value=n, url=url(k), tone=TONES.get(k, ""))
            for k, n in values.items()
        ]
        # A funnel's parts add up to what entered it (never draw parts wider than the whole).
        total = max(self.d.value(code), sum(p.value for p in parts)) if funnel else None
        title = str(m.label)
        if funnel:
            title = f"{title}: {total:,.0f} {self.unit(code)}"
        return Chart(
            code,
            title,
            charts.stacked_bar(
                chart_id=f"ch-{code.replace('.', '-')}",
                title=title,
                desc=str(m.help) or title,
                parts=parts,
                total=total,
                unit=self.unit(code),
            ),
            note=str(m.help),
            url=self.list_url(code),
        )

    def chart_group(self, key: str, codes: Sequence[str]) -> Chart | None:
        present = [c for c in codes if self.has(c)]
        if not present:
            return None
        titles = {
            "leniency": _("Penalty decisions by leniency"),
            "letters": _("Soft enforcement by instrument"),
        }
        bars = []
        for c in present:
            f = self.d.figure(c)
            bars.append(
                Bar(
                    label=str(f.label), value=f.value, url=f.url, text=f"{f.value:,} {self.unit(c)}"
                )
            )
        return Chart(
            key,
            titles[key],
            charts.bar_chart(
                chart_id=f"ch-{key}",
                title=titles[key],
                desc=titles[key],
                bars=bars,
            ),
        )

    def chart_generic(self, code: str) -> Chart:
        m = self.measures[code]
        if m.kind == "matrix":
            chart = self.chart_moves(code)
            assert chart is not None  # noqa: S101 - the code is present
            return chart
        title = str(m.label)
        return Chart(
            code,
            title,
            charts.bar_chart(
                chart_id=f"ch-{code.replace('.', '-')}",
                title=title,
                desc=str(m.help) or title,
                bars=self.bars(code),
                unit=self.unit(code),
            ),
            note=str(m.help),
            url=self.list_url(code),
        )

    # ------------------------------------------------------------------ sections
    def sections(self) -> list[Section]:
        out = [Section(n, label) for n, label in SECTION_LABELS.items()]
        by_number = {s.number: s for s in out}
        for code, m in self.measures.items():
            if m.kind == "figure" or code in TILE_TOTALS:
                by_number[m.section].tiles.append(self.tile(code))
        first = by_number[SECTION_CLASSIFIED]
        for chart in (
            self.chart_classes(),
            self.chart_predict(),
            self.chart_trend(),
            self.chart_moves("risk.moves"),
            self.chart_moves("risk.moves_year"),
        ):
            if chart is not None:
                first.charts.append(chart)
        for number, key, codes in GROUPS:
            chart = self.chart_group(key, codes)
            if chart is not None:
                by_number[number].charts.append(chart)
        for code in STACKED:
            chart = self.chart_stacked(code)
            if chart is not None:
                by_number[self.measures[code].section].charts.append(chart)
        for code, m in self.measures.items():
            if m.kind != "figure" and code not in HANDLED:
                by_number[m.section].charts.append(self.chart_generic(code))
        return out
