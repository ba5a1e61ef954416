"""What a person reads on a Data Docs page: Great Expectations' HTML reduced to its visible text."""

from __future__ import annotations

from html.parser import HTMLParser

PASSED_ICON = "fa-check-circle text-success"  # GX's status icon of an expectation that passed
FAILED_ICON = "fa-times text-danger"  # of one that failed, and of a validation that failed


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())
