"""Record-level quality rules of silver/movies: every row keeps a ``quality_flag`` and its ``quality_reasons``.

A rule never drops a row: Gold decides what to trust. The flag is the worst severity among the reasons.

| reason | severity | when |
|---|---|---|
| ``missing_title`` | ERROR | no title (null or empty) |
| ``vote_average_out_of_range`` | ERROR | vote_average below 0 or above 10 |
| ``negative_vote_count`` | ERROR | vote_count below 0 |
| ``negative_popularity`` | ERROR | popularity below 0 |
| ``negative_budget`` | ERROR | budget below 0 |
| ``negative_revenue`` | ERROR | revenue below 0 |
| ``negative_runtime`` | ERROR | runtime below 0 |
| ``missing_details`` | WARNING | seen only in lists: no details response yet (no cast, crew, budget...) |
| ``missing_release_date`` | WARNING | release date empty or invalid (no year/month partition) |
| ``no_known_genre`` | WARNING | no genre name (partition ``genre=unknown``) |
| ``unknown_genre_id`` | WARNING | a list entry's genre id is not one of TMDB's 19 genres (the id is dropped) |
| ``missing_vote_stats`` | WARNING | popularity, vote_count or vote_average missing |
| ``rating_without_votes`` | WARNING | vote_average above 0 with vote_count 0 |

Unknown budget, revenue and runtime (TMDB's 0) are not flagged: most films never publish them.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

OK = "OK"
WARNING = "WARNING"
ERROR = "ERROR"
FLAGS = (OK, WARNING, ERROR)
UNKNOWN_GENRE_ID = "unknown_genre_id"


@dataclass(frozen=True)
class Rule:
    reason: str
    severity: str


RULES: tuple[Rule, ...] = (
    Rule("missing_title", ERROR),
    Rule("vote_average_out_of_range", ERROR),
    Rule("negative_vote_count", ERROR),
    Rule("negative_popularity", ERROR),
    Rule("negative_budget", ERROR),
    Rule("negative_revenue", ERROR),
    Rule("negative_runtime", ERROR),
    Rule("missing_details", WARNING),
    Rule("missing_release_date", WARNING),
    Rule("no_known_genre", WARNING),
    Rule(UNKNOWN_GENRE_ID, WARNING),
    Rule("missing_vote_stats", WARNING),
    Rule("rating_without_votes", WARNING),
)


def _conditions() -> dict[str, Column]:
    """Each rule's condition on a silver/movies row (plus the transient ``unknown_genre`` column)."""
    col = F.col
    return {
        "missing_title": col("title").isNull() | (F.trim(col("title")) == ""),
        "vote_average_out_of_range": (col("vote_average") < 0) | (col("vote_average") > 10),
        "negative_vote_count": col("vote_count") < 0,
        "negative_popularity": col("popularity") < 0,
        "negative_budget": col("budget") < 0,
        "negative_revenue": col("revenue") < 0,
        "negative_runtime": col("runtime") < 0,
        "missing_details": col("details_fetched_at").isNull(),
        "missing_release_date": col("release_date").isNull(),
        "no_known_genre": F.coalesce(F.size(col("genres")), F.lit(0)) <= 0,
        UNKNOWN_GENRE_ID: col("unknown_genre"),
        "missing_vote_stats": col("popularity").isNull() | col("vote_count").isNull() | col("vote_average").isNull(),
        "rating_without_votes": (col("vote_average") > 0) & (col("vote_count") == 0),
    }


def with_quality(df: DataFrame) -> DataFrame:
    """Adds ``quality_reasons`` (in the order of RULES) and ``quality_flag``; consumes ``unknown_genre``."""
    conditions = _conditions()
    reasons = F.filter(
        F.array(*(F.when(F.coalesce(conditions[rule.reason], F.lit(False)), F.lit(rule.reason)) for rule in RULES)),
        lambda reason: reason.isNotNull(),
    )
    errors = [rule.reason for rule in RULES if rule.severity == ERROR]
    flag = (
        F.when(F.exists(F.col("quality_reasons"), lambda reason: reason.isin(*errors)), F.lit(ERROR))
        .when(F.size(F.col("quality_reasons")) > 0, F.lit(WARNING))
        .otherwise(F.lit(OK))
    )
    return df.withColumn("quality_reasons", reasons).withColumn("quality_flag", flag).drop("unknown_genre")
