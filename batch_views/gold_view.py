"""What a Gold view declares, once: the :class:`GoldView` entry beside its builder in the view's module.

The Gold job, the view's Great Expectations suite, the MongoDB export, the serving indexes and the generated docs
(``python -m batch_views.registry --write``) are all derived from these entries; ``batch_views.registry`` lists
them. Plain data: importing this module imports pyspark's types, never starts a session.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pyspark.sql import types as T

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

# A MongoDB index: (field, direction) pairs, 1 ascending, -1 descending.
IndexKeys = tuple[tuple[str, int], ...]
# The indexes of a view whose documents are looked up by movie: the seed's "movie-specific queries", and its
# "Batch Views (MongoDB Export)" index with the fields the other way round.
MOVIE_LOOKUP_INDEXES: tuple[IndexKeys, ...] = ((("view_type", 1), ("movie_id", 1)), (("movie_id", 1), ("view_type", 1)))

# The Silver datasets a builder can read (the fields of GoldInputs).
SILVER_INPUTS = ("movies", "reviews", "movie_observations")
# Every Gold row carries its run; the export serves them as the common fields of every document.
RUN_COLUMNS = ("batch_run_id", "computed_at")
# The fields every served document has besides the view's own (see batch_views.export_to_mongo.to_documents).
COMMON_DOCUMENT_FIELDS = ("_id", "view_type", *RUN_COLUMNS, "data_freshness", "update_frequency")

_NAME = re.compile(r"[a-z][a-z0-9_]*")


def struct(*fields: tuple[str, T.DataType]) -> T.StructType:
    """A schema from ``(name, type)`` pairs."""
    return T.StructType([T.StructField(name, data_type) for name, data_type in fields])


# The last columns of every Gold schema, and the computed year/month layout columns of the snapshot views.
RUN_FIELDS = (("batch_run_id", T.StringType()), ("computed_at", T.TimestampType()))
COMPUTED_PARTITION_FIELDS = (("year", T.IntegerType()), ("month", T.IntegerType()))


@dataclass(frozen=True)
class GoldInputs:
    """What a builder gets: the run's logical hour, the Gold settings, and the Silver datasets its view reads
    (``GoldView.inputs``; a dataset no selected view reads is None)."""

    computed_at: datetime
    top_cast: int
    top_collaborators: int
    movies: DataFrame | None = None
    reviews: DataFrame | None = None
    movie_observations: DataFrame | None = None


@dataclass(frozen=True)
class Check:
    """An expectation of a view's suite beyond the ones every view gets (columns, key present and unique), as
    data: Great Expectations' class name and its arguments. GX itself is imported only when the suite is built
    (``ge_expectations.batch_layer_suite.gold_suite``). ``critical`` ones block publishing; the others warn."""

    expectation: str
    kwargs: Mapping[str, Any]
    critical: bool = True


def expect(expectation: str, *, critical: bool = True, **kwargs: Any) -> Check:
    """``expect("ExpectColumnValuesToBeBetween", column="total_revenue", min_value=0)``."""
    return Check(expectation, kwargs, critical)


@dataclass(frozen=True)
class Serving:
    """How a Gold view is served in ``moviedb.batch_views``.

    - ``view_type``: the documents' ``view_type``, and the first part of their ``_id``;
    - ``key``: the columns after it in ``_id`` (``view_type:k1:k2``);
    - ``unserved``: Gold columns the documents leave out (the run columns are common fields anyway);
    - ``renames``: Gold column -> document field, where the served name differs;
    - ``indexes``: the indexes the view's queries need (the registry adds those every view type shares).
    """

    view_type: str
    key: tuple[str, ...]
    unserved: tuple[str, ...] = ()
    renames: Mapping[str, str] = field(default_factory=dict)
    indexes: tuple[IndexKeys, ...] = ()


@dataclass(frozen=True)
class GoldView:
    """One Gold view: the Delta table ``gold/<name>``, how it is built, checked and served.

    - ``build``: the view's DataFrame from the run's inputs (a pure function of the view's module);
    - ``schema``: exactly the columns written, in order, the run columns last;
    - ``key``: the natural key, unique per run; ``not_null``: the key columns never null (default: all);
    - ``grain``: what one row is ("genre and release month"), for the docs;
    - ``inputs``: the Silver datasets ``build`` reads (``SILVER_INPUTS``);
    - ``layout_columns``: the seed's partition columns (columns here; the table is partitioned by run alone),
      ``layout_meaning`` what their values are ("release", "computed date");
    - ``expectations``: the view's own checks, added to the ones every view gets;
    - ``serving``: how it is served in MongoDB, or None when it is not.
    """

    name: str
    build: Callable[[GoldInputs], DataFrame]
    schema: T.StructType
    key: tuple[str, ...]
    grain: str
    inputs: tuple[str, ...]
    layout_columns: tuple[str, ...] = ()
    layout_meaning: str = ""
    not_null: tuple[str, ...] | None = None
    expectations: tuple[Check, ...] = ()
    serving: Serving | None = None

    def __post_init__(self) -> None:
        problems = []
        if not _NAME.fullmatch(self.name):
            problems.append("the name is not a lower-case identifier")
        columns = self.columns
        if tuple(columns[-len(RUN_COLUMNS) :]) != RUN_COLUMNS:
            problems.append(f"the schema does not end with {list(RUN_COLUMNS)}")
        problems += _unknown("inputs", self.inputs, SILVER_INPUTS)
        checked = tuple(check.kwargs["column"] for check in self.expectations if "column" in check.kwargs)
        for what, names in (
            ("key", self.key),
            ("layout_columns", self.layout_columns),
            ("not_null", self.not_null or ()),
            ("expectation column", checked),
        ):
            problems += _unknown(what, names, columns)
        if self.serving is not None:
            problems += self._serving_problems(self.serving)
        if problems:
            raise ValueError(f"Gold view {self.name!r}: {'; '.join(problems)}")

    def _serving_problems(self, serving: Serving) -> list[str]:
        columns = self.columns
        problems = [] if _NAME.fullmatch(serving.view_type) else ["the view_type is not a lower-case identifier"]
        problems += _unknown("serving key", serving.key, columns)
        problems += _unknown("unserved", serving.unserved, columns)
        problems += _unknown("renamed", tuple(serving.renames), columns)
        document = {*COMMON_DOCUMENT_FIELDS, *(name for _, name in self.document_fields)}
        for keys in serving.indexes:
            problems += _unknown("index field", tuple(name for name, _ in keys), tuple(document))
        return problems

    @property
    def columns(self) -> list[str]:
        return self.schema.fieldNames()

    @property
    def key_never_null(self) -> tuple[str, ...]:
        return self.key if self.not_null is None else self.not_null

    @property
    def document_fields(self) -> tuple[tuple[str, str], ...]:
        """``(Gold column, document field)`` of every served column, in the schema's order; () when unserved."""
        if self.serving is None:
            return ()
        left_out = {*RUN_COLUMNS, *self.serving.unserved}
        renames = self.serving.renames
        return tuple((column, renames.get(column, column)) for column in self.columns if column not in left_out)


def _unknown(what: str, names: tuple[str, ...], known: tuple[str, ...] | list[str]) -> list[str]:
    missing = [name for name in names if name not in known]
    return [f"{what} {missing} not among {list(known)}"] if missing else []
