"""Review sentiment: VADER's compound score in a vectorised pandas UDF, and the label thresholds.

VADER has no Spark built-in equivalent, so this is the job's one Python UDF. It scores a whole Arrow batch
per call with one analyzer per Python worker (loading the lexicon per row would dominate the run).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import pandas as pd
from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql import types as T
from pyspark.sql.functions import pandas_udf

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05
LABELS = ("positive", "neutral", "negative")
# VADER rounds compound to 4 decimals; scores are kept at that precision so that sums are exact.
SCORE_SCALE = 10_000


@functools.cache
def _analyzer() -> SentimentIntensityAnalyzer:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def compound_scores(texts: pd.Series) -> pd.Series:
    """VADER compound score (-1..1) of each text; null text -> null score."""
    analyzer = _analyzer()
    return texts.map(lambda text: None if text is None else analyzer.polarity_scores(text)["compound"]).astype(
        "float64"
    )


def vader_compound(texts: Column) -> Column:
    """The VADER compound score of each text, as a vectorised pandas UDF.

    The UDF is made when a column needs it, not at import: pandas_udf builds a classic or a Spark Connect UDF
    depending on the session that exists at that moment, and a job imports this module before it has one.
    """
    # pandas_udf resolves the type hints of compound_scores: pandas must be imported at runtime above.
    return pandas_udf(compound_scores, T.DoubleType())(texts)  # type: ignore[call-overload]


def sentiment_label(score: Column) -> Column:
    """positive at 0.05 or more, negative at -0.05 or less, neutral between, null when the score is null."""
    return (
        F.when(score >= POSITIVE_THRESHOLD, F.lit("positive"))
        .when(score <= NEGATIVE_THRESHOLD, F.lit("negative"))
        .when(score.isNotNull(), F.lit("neutral"))
    )


def mean_score(score: Column) -> Column:
    """Aggregate: the mean of 4-decimal scores, rounded to 4 decimals; null when there is none.

    Summing integers (score x 10,000) makes the mean independent of the order rows arrive in, so an incremental
    run and a full refresh give bit-identical results.
    """
    scaled_sum = F.sum(F.round(score * SCORE_SCALE).cast("long"))
    return F.round(F.try_divide(scaled_sum, F.count(score)) / SCORE_SCALE, 4)
