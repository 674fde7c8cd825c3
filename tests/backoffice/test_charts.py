"""The server-side SVG chart."""

import xml.etree.ElementTree as ElementTree

from core.backoffice.charts import Series, stacked_bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def render(values_by_key):
    return stacked_bar_chart(
        title="Recherches <par mois>",
        description="Janvier : 3 ; février : 5",
        categories=["2026-01", "2026-02"],
        series=[Series(key, key.title(), values) for key, values in values_by_key.items()],
    )


def test_chart_is_valid_svg_with_text_alternative():
    root = ElementTree.fromstring(render({"unknown": [3, 5], "ambiguous": [1, 0]}))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Recherches <par mois>"
    assert root.find(f"{SVG}desc").text == "Janvier : 3 ; février : 5"


def test_chart_bar_heights_follow_values():
    root = ElementTree.fromstring(render({"unknown": [3, 6], "ambiguous": [1, 0]}))

    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    heights = {rect.find(f"{SVG}title").text: float(rect.get("height")) for rect in bars}
    assert len(bars) == 3
    assert heights["2026-02 — Unknown : 6"] == 2 * heights["2026-01 — Unknown : 3"]
    assert heights["2026-01 — Unknown : 3"] == 3 * heights["2026-01 — Ambiguous : 1"]


def test_chart_without_data_draws_axis_only():
    root = ElementTree.fromstring(
        stacked_bar_chart(title="Vide", description="Aucune recherche", categories=[], series=[])
    )

    assert [rect for rect in root.iter(f"{SVG}rect")] == []
    assert len(list(root.iter(f"{SVG}line"))) == 5
