"""What the report is made of, independent of Markdown or HTML: sections holding tables,
figures and paragraphs. A table has regimes as rows; each numeric column has its unit."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Cell:
    text: str  # the mean as shown
    spread: str = ""  # "± sd" across seeds, empty for one seed
    sort: float | None = None  # the shown value, for sorting


@dataclass
class Column:
    label: str
    unit: str  # never empty: the templates put it under the label


@dataclass
class Row:
    label: str
    cells: list[Cell]
    flag: str = ""  # e.g. "no change from baseline"
    reference: bool = False


@dataclass
class Table:
    id: str
    title: str
    columns: list[Column]
    rows: list[Row]
    corner: str = "regime"
    caption: str = ""


@dataclass
class Figure:
    id: str
    title: str
    svg: str
    caption: str = ""

    @property
    def file(self) -> str:
        return f"{self.id}.svg"


@dataclass
class Section:
    id: str
    title: str
    intro: str = ""
    items: list = field(default_factory=list)  # Table, Figure or str (a paragraph)

    def kind(self, item) -> str:
        return type(item).__name__.lower()


@dataclass
class Report:
    title: str
    overview: list[str]
    sections: list[Section]
    flagged: list[str] = field(default_factory=list)

    @property
    def figures(self) -> list[Figure]:
        return [i for s in self.sections for i in s.items if isinstance(i, Figure)]

    @property
    def tables(self) -> list[Table]:
        return [i for s in self.sections for i in s.items if isinstance(i, Table)]
