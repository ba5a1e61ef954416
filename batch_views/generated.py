"""The files generated from the Gold view registry: ``docker/mongo-init.js`` whole, and the view tables of the
READMEs between ``<!-- generated: NAME (python -m batch_views.registry) -->`` and ``<!-- end generated -->``.

Pure text from a list of :class:`~batch_views.gold_view.GoldView` (``batch_views.registry`` passes its own);
nothing here imports the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import types as T

from batch_views.gold_view import GoldView, IndexKeys

COMMAND = "python -m batch_views.registry --write"
END = "<!-- end generated -->"
_HEADER = f"<!-- Generated from the Gold views by `{COMMAND}` (make generate): do not edit here. -->"


def marker(name: str) -> str:
    return f"<!-- generated: {name} (python -m batch_views.registry) -->"


# ---------------------------------------------------------------------------------------------- tables


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [_row(*header), "|" + "---|" * len(header), *(_row(*row) for row in rows)]


def _names(names: Sequence[str]) -> str:
    return ", ".join(names)


def _document_id(view: GoldView) -> str:
    assert view.serving is not None
    return ":".join([view.serving.view_type, *(f"{{{column}}}" for column in view.serving.key)])


def _field_label(name: str, data_type: T.DataType) -> str:
    """A document field as the README shows it: an array of sub-documents with their fields."""
    if isinstance(data_type, T.ArrayType) and isinstance(data_type.elementType, T.StructType):
        return f"{name}[{{{_names(data_type.elementType.fieldNames())}}}]"
    return name


def _layout(view: GoldView) -> str:
    if not view.layout_columns:
        return "none"
    columns = ", ".join(f"`{column}`" for column in view.layout_columns)
    return f"{columns} ({view.layout_meaning})" if view.layout_meaning else columns


def _served(views: Sequence[GoldView]) -> list[GoldView]:
    return [view for view in views if view.serving is not None]


def served_views_table(views: Sequence[GoldView]) -> list[str]:
    """README.md, "Served views": each view type, its ``_id`` and its fields."""
    rows = []
    for view in _served(views):
        types = {f.name: f.dataType for f in view.schema.fields}
        fields = _names([_field_label(name, types[column]) for column, name in view.document_fields])
        rows.append((f"`{view.serving.view_type}`", f"`{_document_id(view)}`", fields))
    return _table(("view_type", "`_id`", "fields"), rows)


def gold_table(views: Sequence[GoldView]) -> list[str]:
    """spark_jobs/README.md, "Gold": each view's layout columns and key."""
    rows = [(f"`{view.name}`", _layout(view), _names(view.key)) for view in views]
    return _table(("view", "seed's layout columns", "key"), rows)


def serving_table(views: Sequence[GoldView]) -> list[str]:
    """spark_jobs/README.md, "Serving": the view type and ``_id`` of each served view."""
    rows = [(view.name, f"`{view.serving.view_type}`", f"`{_document_id(view)}`") for view in _served(views)]
    return _table(("gold view", "`view_type`", "`_id`"), rows)


def views_table(views: Sequence[GoldView]) -> list[str]:
    """batch_views/README.md, "The views": module, layout columns, key and grain of each view."""
    rows = [
        (
            f"`{view.name}`",
            f"`{view.build.__module__.rsplit('.', 1)[-1]}.py`",
            _layout(view),
            _names(view.key),
            view.grain,
        )
        for view in views
    ]
    return _table(("view", "module", "seed's layout columns", "key", "one row per"), rows)


# -------------------------------------------------------------------------------------------- mongo-init


def _js_keys(keys: IndexKeys) -> str:
    return "{ " + ", ".join(f"{name}: {direction}" for name, direction in keys) + " }"


def mongo_init_js(views: Sequence[GoldView], indexes: Mapping[str, Sequence[IndexKeys]]) -> str:
    """docker/mongo-init.js: the serving indexes for a fresh mongo:7.0, each with the views that declared it."""
    declared: dict[IndexKeys, list[str]] = {}
    for view in _served(views):
        for keys in view.serving.indexes:
            declared.setdefault(keys, []).append(view.serving.view_type)
    readers = {"batch_views": lambda keys: ", ".join(declared.get(keys, ["every view type"]))}
    collections = []
    for collection, patterns in indexes.items():
        reader = readers.get(collection, lambda _: "the latest complete run")
        entries = [f"    {_js_keys(keys)}, // {reader(keys)}" for keys in patterns]
        collections.append(f"  {collection}: [\n" + "\n".join(entries) + "\n  ],")
    return _MONGO_INIT.format(command=COMMAND, collections="\n".join(collections))


_MONGO_INIT = """\
// Generated from the Gold views (batch_views/registry.py) by `{command}` (make generate):
// do not edit here.
//
// Serving collections and indexes of a fresh mongo:7.0 (mounted into /docker-entrypoint-initdb.d/).
//
// The same indexes, with the same (default) names, as batch_views.serving.update_serving_indexes, which the
// exporter runs after every export: whichever runs first creates them, the other finds them in place.
// Idempotent: collections and indexes that exist are left as they are. The comment of an index names the view
// types whose queries need it.
//
//   mongosh "$MONGODB_CONNECTION_STRING" --file docker/mongo-init.js     (MONGODB_DATABASE, default moviedb)

const serving = db.getSiblingDB(process.env.MONGODB_DATABASE || "moviedb");

const indexes = {{
{collections}
}};

const existing = serving.getCollectionNames();
for (const [collection, keyPatterns] of Object.entries(indexes)) {{
  if (!existing.includes(collection)) {{
    serving.createCollection(collection);
  }}
  for (const keys of keyPatterns) {{
    const name = Object.entries(keys)
      .map(([field, direction]) => field + "_" + direction)
      .join("_");
    serving.getCollection(collection).createIndex(keys, {{ name: name }});
  }}
  print(serving.getName() + "." + collection + ": " + keyPatterns.length + " serving indexes in place");
}}
"""


# ------------------------------------------------------------------------------------------------ files


def replace_section(text: str, name: str, body: Sequence[str], path: Path) -> str:
    """``text`` with the lines between the section's markers replaced by a header and ``body``."""
    lines = text.split("\n")
    start_marker = marker(name)
    if start_marker not in lines:
        raise ValueError(f"{path}: no line {start_marker!r}")
    start = lines.index(start_marker)
    try:
        end = lines.index(END, start)
    except ValueError:
        raise ValueError(f"{path}: no {END!r} after {start_marker!r}") from None
    return "\n".join([*lines[: start + 1], _HEADER, *body, *lines[end:]])


@dataclass(frozen=True)
class Section:
    path: str  # relative to the project root
    name: str  # the marker's name
    render: Callable[[Sequence[GoldView]], list[str]]


SECTIONS = (
    Section("README.md", "gold views", served_views_table),
    Section("spark_jobs/README.md", "gold views", gold_table),
    Section("spark_jobs/README.md", "served views", serving_table),
    Section("batch_views/README.md", "gold views", views_table),
)
MONGO_INIT = "docker/mongo-init.js"


def render_all(views: Sequence[GoldView], indexes: Mapping[str, Sequence[IndexKeys]], root: Path) -> dict[Path, str]:
    """Every generated file under ``root`` as the views make it (the READMEs' text outside the sections kept)."""
    files = {root / MONGO_INIT: mongo_init_js(views, indexes)}
    for section in SECTIONS:
        path = root / section.path
        text = files.get(path, path.read_text())
        files[path] = replace_section(text, section.name, section.render(views), path)
    return files
