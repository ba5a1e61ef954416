"""The Silver transforms on a few hand-written rows each, compared as whole frames."""

from __future__ import annotations

from datetime import date, datetime

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.testing import assertDataFrameEqual

from master_dataset.partitioning import LogicalHour
from spark_jobs.silver import common, movies, observations, parse, quality, reviews, schemas, sentiment
from spark_jobs.silver.genres import genre_map, with_genre_names
from tests import bronze_builders as b

HOUR = LogicalHour.parse("2025-10-17T12:00:00+00:00")
LATER = LogicalHour.parse("2025-10-17T16:00:00+00:00")
PARTITION = "movies/year=2025/month=10/day=17/hour=12"


def naive(*parts: int) -> datetime:
    """What Spark gives back for a UTC timestamp (the session and the tests run in UTC)."""
    return datetime(*parts)


def parsed_movies(spark: SparkSession, rows: list[tuple]) -> DataFrame:
    return parse.parse_bronze_movies(b.frame(spark, rows).transform(parse.with_bronze_partition, "movies"))


def parsed_pages(spark: SparkSession, rows: list[tuple]) -> DataFrame:
    return parse.parse_review_pages(b.frame(spark, rows).transform(parse.with_bronze_partition, "reviews"))


def merged(spark: SparkSession, rows: list[tuple], state: DataFrame | None = None) -> DataFrame:
    """silver/movies from bronze/movies rows (and a previous state), as the job folds them."""
    parsed = parsed_movies(spark, rows)
    listed = movies.listed_entries(parse.list_entries(parsed), genre_map(spark))
    candidates = movies.bronze_candidates(listed, parse.details_records(parsed))
    if state is not None:
        candidates = candidates.unionByName(movies.state_candidates(state))
    no_reviews = spark.createDataFrame([], "movie_id int, review_count int, sentiment_score double, review_run string")
    return movies.merge_movies(candidates, no_reviews)


# ---------------------------------------------------------------------------------------------- parsing


def test_list_entry_is_typed_and_an_empty_release_date_becomes_null(spark):
    entry = b.list_entry(7, release_date="", genre_ids=[28, 12], popularity=12.5, vote_average=6.4, vote_count=321)
    rows = [b.listed(HOUR, b.utc(2025, 10, 17, 12, 5), "top_rated", 4, entry)]

    actual = parse.list_entries(parsed_movies(spark, rows))

    expected = spark.createDataFrame(
        [(7, naive(2025, 10, 17, 12, 5), "batch_2025_10_17_12", "top_rated", 4, "Movie 7", "en", None, [28, 12],
          12.5, 321, 6.4)],
        "movie_id int, extraction_timestamp timestamp, batch_run_id string, source_list string, list_rank int, "
        "title string, original_language string, release_date date, genre_ids array<int>, popularity double, "
        "vote_count int, vote_average double",
    )  # fmt: skip
    assertDataFrameEqual(actual, expected)


def test_details_zero_budget_revenue_and_runtime_become_null_and_nested_names_are_kept(spark):
    body = b.details(
        8,
        budget=0,
        revenue=0,
        runtime=0,
        release_date="2019-02-03",
        genres=[{"id": 18, "name": "Drama"}, {"id": 36, "name": "History"}],
        keywords={"keywords": [{"id": 1, "name": "war"}, {"id": 2, "name": "biography"}]},
    )
    rows = [b.fetched(HOUR, b.utc(2025, 10, 17, 12, 6), body)]

    actual = parse.details_records(parsed_movies(spark, rows)).drop("cast", "crew")

    expected = spark.createDataFrame(
        [(8, naive(2025, 10, 17, 12, 6), "batch_2025_10_17_12", "Movie 8", "en", date(2019, 2, 3),
          ["Drama", "History"], None, None, None, ["war", "biography"], ["Studio"], 10.0, 100, 7.0)],
        "movie_id int, extraction_timestamp timestamp, batch_run_id string, title string, original_language string, "
        "release_date date, genres array<string>, budget long, revenue long, runtime int, keywords array<string>, "
        "production_companies array<string>, popularity double, vote_count int, vote_average double",
    )  # fmt: skip
    assertDataFrameEqual(actual, expected)


def test_details_keep_cast_and_crew_with_ids_order_and_department(spark):
    rows = [b.fetched(HOUR, b.utc(2025, 10, 17, 12, 6), b.details(9))]

    actual = parse.details_records(parsed_movies(spark, rows)).select("movie_id", "cast", "crew")

    expected = spark.createDataFrame(
        [
            (
                9,
                [(10, "Actor A", "Hero", 0), (11, "Actor B", "Villain", 1)],
                [(20, "Director D", "Director", "Directing")],
            )
        ],
        "movie_id int, cast array<struct<id:int,name:string,character:string,order:int>>, "
        "crew array<struct<id:int,name:string,job:string,department:string>>",
    )
    assertDataFrameEqual(actual, expected)


def test_unparseable_records_are_quarantined_with_their_reason(spark):
    at = b.utc(2025, 10, 17, 12, 6)
    rows = [
        b.fetched(HOUR, at, "{not json", movie_id=1),
        b.fetched(HOUR, at, "[1, 2]", movie_id=2),
        b.fetched(HOUR, at, '{"id": "three", "title": "Typed wrong"}', movie_id=3),
        b.fetched(HOUR, at, '{"title": "No id"}', movie_id=4),
        b.fetched(HOUR, at, '{"success": false, "status_code": 34, "status_message": "not found"}', movie_id=5),
        b.row(HOUR, 6, '{"id": 6}', "/movie/latest", at),
        b.fetched(HOUR, at, b.details(7)),
    ]

    actual = parse.quarantined(parsed_movies(spark, rows))

    def bad(reason: str, movie_id: int, raw: str, endpoint: str = "/movie/{id}") -> tuple:
        return (reason, PARTITION, "batch_2025_10_17_12", endpoint, movie_id, raw)

    expected = spark.createDataFrame(
        [
            bad("malformed_json", 1, "{not json"),
            bad("not_a_json_object", 2, "[1, 2]"),
            bad("schema_mismatch", 3, '{"id": "three", "title": "Typed wrong"}'),
            bad("missing_id", 4, '{"title": "No id"}'),
            bad("tmdb_error_34", 5, '{"success": false, "status_code": 34, "status_message": "not found"}'),
            bad("unknown_endpoint", 6, '{"id": 6}', "/movie/latest"),
        ],
        schemas.QUARANTINE,
    )
    assertDataFrameEqual(actual, expected)


def test_review_pages_fall_back_to_the_bronze_movie_id_and_reviews_without_id_are_quarantined(spark):
    at = b.utc(2025, 10, 17, 12, 7)
    page_without_id = {"page": 2, "results": [b.review("r9", "Fine."), b.review(None, "Anonymous.")]}
    pages = parsed_pages(spark, [b.paged(HOUR, at, page_without_id, movie_id=42)])
    records = parse.review_records(parsed_movies(spark, []), pages)

    actual_reviews = parse.reviews_with_id(records)
    actual_quarantine = parse.reviews_without_id(records).drop("raw_json")

    assertDataFrameEqual(
        actual_reviews,
        spark.createDataFrame(
            [("r9", 42, "critic", 8.0, naive(2024, 1, 2, 3, 4, 5, 678000), "Fine.", "batch_2025_10_17_12")],
            "review_id string, movie_id int, author string, rating double, created_at timestamp, content string, "
            "batch_run_id string",
        ),
    )
    assertDataFrameEqual(
        actual_quarantine,
        spark.createDataFrame(
            [("missing_review_id", "reviews/year=2025/month=10/day=17/hour=12", "batch_2025_10_17_12",
              "/movie/{id}/reviews", 42)],
            "reason string, bronze_partition string, batch_run_id string, api_endpoint string, movie_id int",
        ),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------- genres, dedup


def test_genre_ids_map_to_names_and_unknown_ids_are_dropped_and_reported(spark):
    entries = spark.createDataFrame(
        [(1, [878, 99999, 35]), (2, []), (3, [10770])], "movie_id int, genre_ids array<int>"
    )

    actual = with_genre_names(entries, genre_map(spark))

    expected = spark.createDataFrame(
        [
            (1, [878, 99999, 35], ["Science Fiction", "Comedy"], [99999]),
            (2, [], [], []),
            (3, [10770], ["TV Movie"], []),
        ],
        "movie_id int, genre_ids array<int>, genres array<string>, unknown_genre_ids array<int>",
    )
    assertDataFrameEqual(actual, expected)


def test_latest_version_wins_whatever_the_order_rows_arrive_in(spark):
    rows = [(1, 1, "old"), (1, 3, "newest"), (1, 2, "middle"), (2, 5, "tie one"), (2, 5, "tie two"), (3, None, "x")]
    schema = "k int, ts int, v string"
    forward = spark.createDataFrame(rows, schema)
    backward = spark.createDataFrame(list(reversed(rows)), schema).repartition(3)

    actual = common.latest_by(forward, "k", "ts", ["v"])

    assertDataFrameEqual(actual.where("k != 2"), spark.createDataFrame([(1, 3, "newest"), (3, None, "x")], schema))
    # Equal timestamps: the content decides, so the same row wins in any order and partitioning.
    assertDataFrameEqual(actual, common.latest_by(backward, "k", "ts", ["v"]))
    assert actual.where("k = 2").first().v in {"tie one", "tie two"}


# ---------------------------------------------------------------------------------------------- movies


def test_movie_takes_details_from_the_latest_details_and_votes_from_the_latest_observation(spark):
    rows = [
        b.fetched(HOUR, b.utc(2025, 10, 17, 12, 6), b.details(1, title="Old title", popularity=5.0)),
        b.listed(HOUR, b.utc(2025, 10, 17, 12, 5), "popular", 3, b.list_entry(1, popularity=9.0)),
        b.fetched(
            LATER,
            b.utc(2025, 10, 17, 16, 6),
            b.details(1, title="New title", popularity=20.0, vote_average=8.1, vote_count=900, budget=0),
        ),
        b.listed(LATER, b.utc(2025, 10, 17, 16, 9), "popular", 1, b.list_entry(1, popularity=30.0, vote_count=950)),
    ]

    actual = merged(spark, rows)

    expected = spark.createDataFrame(
        [(1, "New title", "en", date(2020, 5, 1), ["Action"], "Action", 7.0, 950, 30.0, None, 5_000_000, 120,
          [(10, "Actor A", "Hero", 0), (11, "Actor B", "Villain", 1)], [(20, "Director D", "Director", "Directing")],
          ["hero"], ["Studio"], 0, None, None, "OK", [], naive(2025, 10, 17, 16, 6), naive(2025, 10, 17, 16, 9),
          "batch_2025_10_17_16", naive(2025, 10, 17, 16), 2020, 5, "action")],
        schemas.SILVER_MOVIES,
    )  # fmt: skip
    assertDataFrameEqual(actual, expected)


def test_a_movie_seen_only_in_lists_gets_a_row_with_a_missing_details_warning(spark):
    entry = b.list_entry(2, title="Listed", genre_ids=[35, 99999], release_date="", popularity=4.0)
    rows = [b.listed(HOUR, b.utc(2025, 10, 17, 12, 5), "now_playing", 9, entry)]

    actual = merged(spark, rows).select(
        "movie_id", "title", "genres", "genre", "year", "cast", "budget", "quality_flag", "quality_reasons"
    )

    expected = spark.createDataFrame(
        [(2, "Listed", ["Comedy"], "comedy", None, None, None, "WARNING",
          ["missing_details", "missing_release_date", "unknown_genre_id"])],
        "movie_id int, title string, genres array<string>, genre string, year int, "
        "cast array<struct<id:int,name:string,character:string,order:int>>, budget long, quality_flag string, "
        "quality_reasons array<string>",
    )  # fmt: skip
    assertDataFrameEqual(actual, expected)


def test_merging_new_records_into_the_state_equals_merging_everything_at_once(spark):
    # Same second for a list entry and a details response (TMDB's Date header has one-second resolution).
    first = [
        b.listed(HOUR, b.utc(2025, 10, 17, 12, 5), "popular", 1, b.list_entry(1, popularity=50.0)),
        b.fetched(HOUR, b.utc(2025, 10, 17, 12, 5), b.details(1, popularity=51.0)),
        b.listed(HOUR, b.utc(2025, 10, 17, 12, 5), "popular", 2, b.list_entry(2, genre_ids=[99999])),
    ]
    second = [
        b.listed(LATER, b.utc(2025, 10, 17, 16, 5), "popular", 1, b.list_entry(2, popularity=70.0)),
        b.listed(LATER, b.utc(2025, 10, 17, 16, 5), "top_rated", 1, b.list_entry(3)),
        b.fetched(LATER, b.utc(2025, 10, 17, 16, 5), b.details(3, release_date="")),
    ]

    at_once = merged(spark, first + second)
    in_two_steps = merged(spark, second, state=merged(spark, first))

    assertDataFrameEqual(in_two_steps, at_once)
    # Merging the same records again changes nothing.
    assertDataFrameEqual(merged(spark, second, state=at_once), at_once)


# ---------------------------------------------------------------------------------------------- quality


QUALITY_COLUMNS = (
    "movie_id int, title string, vote_average double, vote_count int, popularity double, budget long, "
    "revenue long, runtime int, details_fetched_at timestamp, release_date date, genres array<string>, "
    "unknown_genre boolean"
)
FETCHED = datetime(2025, 10, 17, 12)
RELEASED = date(2020, 1, 1)


def test_quality_rules_flag_each_problem_with_its_reason(spark):
    # (row, expected flag, expected reasons): one row per rule, then a mix and a clean row.
    cases = [
        ((1, "Fine", 7.0, 10, 3.0, 100, 200, 90, FETCHED, RELEASED, ["Drama"], False), "OK", []),
        ((2, None, 7.0, 10, 3.0, 100, 200, 90, FETCHED, RELEASED, ["Drama"], False), "ERROR", ["missing_title"]),
        ((3, "  ", 7.0, 10, 3.0, 100, 200, 90, FETCHED, RELEASED, ["Drama"], False), "ERROR", ["missing_title"]),
        (
            (4, "A", 10.5, 10, 3.0, 100, 200, 90, FETCHED, RELEASED, ["Drama"], False),
            "ERROR",
            ["vote_average_out_of_range"],
        ),
        (
            (5, "A", -1.0, 10, 3.0, 100, 200, 90, FETCHED, RELEASED, ["Drama"], False),
            "ERROR",
            ["vote_average_out_of_range"],
        ),
        ((6, "A", 7.0, -1, 3.0, 100, 200, 90, FETCHED, RELEASED, ["Drama"], False), "ERROR", ["negative_vote_count"]),
        ((7, "A", 7.0, 10, -3.0, 100, 200, 90, FETCHED, RELEASED, ["Drama"], False), "ERROR", ["negative_popularity"]),
        ((8, "A", 7.0, 10, 3.0, -100, 200, 90, FETCHED, RELEASED, ["Drama"], False), "ERROR", ["negative_budget"]),
        ((9, "A", 7.0, 10, 3.0, 100, -200, 90, FETCHED, RELEASED, ["Drama"], False), "ERROR", ["negative_revenue"]),
        ((10, "A", 7.0, 10, 3.0, 100, 200, -90, FETCHED, RELEASED, ["Drama"], False), "ERROR", ["negative_runtime"]),
        ((11, "A", 7.0, 10, 3.0, None, None, None, None, RELEASED, ["Drama"], False), "WARNING", ["missing_details"]),
        ((12, "A", 7.0, 10, 3.0, 100, 200, 90, FETCHED, None, ["Drama"], False), "WARNING", ["missing_release_date"]),
        ((13, "A", 7.0, 10, 3.0, 100, 200, 90, FETCHED, RELEASED, [], False), "WARNING", ["no_known_genre"]),
        (
            (14, "A", 7.0, 10, 3.0, None, None, None, None, RELEASED, ["Drama"], True),
            "WARNING",
            ["missing_details", "unknown_genre_id"],
        ),
        (
            (15, "A", 7.0, None, 3.0, 100, 200, 90, FETCHED, RELEASED, ["Drama"], False),
            "WARNING",
            ["missing_vote_stats"],
        ),
        (
            (16, "A", 6.0, 0, 3.0, 100, 200, 90, FETCHED, RELEASED, ["Drama"], False),
            "WARNING",
            ["rating_without_votes"],
        ),
        (
            (17, None, 7.0, 10, 3.0, 100, 200, 90, None, None, [], False),
            "ERROR",
            ["missing_title", "missing_details", "missing_release_date", "no_known_genre"],
        ),
        # TMDB's unknown budget and revenue (0, made null) are not a problem.
        ((18, "A", 7.0, 10, 3.0, None, None, None, FETCHED, RELEASED, ["Drama"], False), "OK", []),
    ]
    rows = spark.createDataFrame([row for row, _, _ in cases], QUALITY_COLUMNS)

    actual = quality.with_quality(rows).select("movie_id", "quality_flag", "quality_reasons")

    expected = spark.createDataFrame(
        [(row[0], flag, reasons) for row, flag, reasons in cases],
        "movie_id int, quality_flag string, quality_reasons array<string>",
    )
    assertDataFrameEqual(actual, expected)


# ---------------------------------------------------------------------------------------------- sentiment


def test_sentiment_labels_follow_the_thresholds(spark):
    scores = [(0.05,), (0.0499,), (0.0,), (-0.0499,), (-0.05,), (1.0,), (-1.0,), (None,)]

    actual = spark.createDataFrame(scores, "score double").select(
        "score", sentiment.sentiment_label(F.col("score")).alias("label")
    )

    expected = spark.createDataFrame(
        [(0.05, "positive"), (0.0499, "neutral"), (0.0, "neutral"), (-0.0499, "neutral"), (-0.05, "negative"),
         (1.0, "positive"), (-1.0, "negative"), (None, None)],
        "score double, label string",
    )  # fmt: skip
    assertDataFrameEqual(actual, expected)


def test_vader_scores_its_published_examples(spark):
    # From the vaderSentiment README.
    published = [
        ("VADER is smart, handsome, and funny.", 0.8316),
        ("VADER is smart, handsome, and funny!", 0.8439),
        ("VADER is very smart, handsome, and funny.", 0.8545),
        ("VADER is not smart, handsome, nor funny.", -0.7424),
        ("The book was good.", 0.4404),
        ("At least it isn't a horrible book.", 0.431),
        ("Today SUX!", -0.5461),
        ("Today only kinda sux! But I'll get by, lol", 0.5249),
        (None, None),
    ]
    texts = spark.createDataFrame([(text,) for text, _ in published], "text string")

    actual = texts.select("text", sentiment.vader_compound(F.col("text")).alias("compound"))

    assertDataFrameEqual(actual, spark.createDataFrame(published, "text string, compound double"), rtol=0, atol=0)


def test_an_unchanged_review_keeps_its_score_and_only_new_text_goes_through_vader(spark):
    columns = "review_id string, movie_id int, author string, rating double, created_at timestamp, content string"
    seen = spark.createDataFrame(
        [("r1", 1, "a", None, None, "Same text", 0.1234, "batch_2025_10_17_12")],
        f"{columns}, sentiment_score double, batch_run_id string",
    )
    fresh = spark.createDataFrame(
        [("r1", 1, "a", None, None, "Same text", "batch_2025_10_17_16"),
         ("r2", 1, "b", None, None, "Today SUX!", "batch_2025_10_17_16")],
        f"{columns}, batch_run_id string",
    )  # fmt: skip

    actual = reviews.score_reviews(fresh, seen).select("review_id", "sentiment_score")

    # 0.1234 is not VADER's score of "Same text": it proves the stored score was kept, not recomputed.
    expected = spark.createDataFrame([("r1", 0.1234), ("r2", -0.5461)], "review_id string, sentiment_score double")
    assertDataFrameEqual(actual, expected)


def test_movie_sentiment_is_the_exact_mean_of_its_reviews(spark):
    scored = spark.createDataFrame(
        [("r1", 1, 0.8316, "batch_2025_10_17_12"), ("r2", 1, -0.5461, "batch_2025_10_17_16"),
         ("r3", 1, 0.5994, "batch_2025_10_17_12"), ("r4", 2, None, "batch_2025_10_17_12")],
        "review_id string, movie_id int, sentiment_score double, batch_run_id string",
    )  # fmt: skip

    actual = reviews.review_stats(scored)

    # (0.8316 - 0.5461 + 0.5994) / 3 = 0.29497: kept at VADER's 4 decimals.
    expected = spark.createDataFrame(
        [(1, 3, 0.295, "batch_2025_10_17_16"), (2, 1, None, "batch_2025_10_17_12")],
        "movie_id int, review_count int, sentiment_score double, review_run string",
    )
    assertDataFrameEqual(actual, expected, rtol=0, atol=0)


def test_reviews_take_the_partition_of_their_movie(spark):
    merged_reviews = spark.createDataFrame(
        [("r1", 1, "a", 9.0, None, "Great", 0.6249, "batch_2025_10_17_12"),
         ("r2", 5, "b", None, None, "Meh", 0.0, "batch_2025_10_17_16")],
        "review_id string, movie_id int, author string, rating double, created_at timestamp, content string, "
        "sentiment_score double, batch_run_id string",
    )  # fmt: skip
    movie_partitions = spark.createDataFrame([(1, 2019, 7, "drama")], "movie_id int, year int, month int, genre string")

    actual = reviews.finalize_reviews(merged_reviews, movie_partitions)

    expected = spark.createDataFrame(
        [("r1", 1, "a", 9.0, None, "Great", 0.6249, "positive", "batch_2025_10_17_12", naive(2025, 10, 17, 12),
          2019, 7, "drama"),
         ("r2", 5, "b", None, None, "Meh", 0.0, "neutral", "batch_2025_10_17_16", naive(2025, 10, 17, 16),
          None, None, "unknown")],
        schemas.SILVER_REVIEWS,
    )  # fmt: skip
    assertDataFrameEqual(actual, expected)


# ---------------------------------------------------------------------------------------------- observations


def test_one_observation_per_movie_per_run_with_its_latest_values_and_best_rank(spark):
    rows = [
        b.listed(HOUR, b.utc(2025, 10, 17, 12, 5), "popular", 5, b.list_entry(1, popularity=10.0)),
        b.listed(HOUR, b.utc(2025, 10, 17, 12, 7), "top_rated", 3, b.list_entry(1, popularity=11.0)),
        b.listed(HOUR, b.utc(2025, 10, 17, 12, 5), "now_playing", 2, b.list_entry(2, popularity=20.0)),
        b.listed(HOUR, b.utc(2025, 10, 17, 12, 5), "popular", 2, b.list_entry(2, popularity=20.0)),
        b.fetched(HOUR, b.utc(2025, 10, 17, 12, 9), b.details(3, popularity=30.0)),
        b.listed(LATER, b.utc(2025, 10, 17, 16, 5), "popular", 1, b.list_entry(1, popularity=12.0)),
    ]
    parsed = parsed_movies(spark, rows)
    listed = movies.listed_entries(parse.list_entries(parsed), genre_map(spark))

    actual = observations.run_observations(listed, parse.details_records(parsed))

    day = date(2025, 10, 17)
    expected = spark.createDataFrame(
        [(1, naive(2025, 10, 17, 12, 7), 11.0, 100, 7.0, "top_rated", 3, "batch_2025_10_17_12", day),
         (2, naive(2025, 10, 17, 12, 5), 20.0, 100, 7.0, "popular", 2, "batch_2025_10_17_12", day),
         (3, naive(2025, 10, 17, 12, 9), 30.0, 100, 7.0, None, None, "batch_2025_10_17_12", day),
         (1, naive(2025, 10, 17, 16, 5), 12.0, 100, 7.0, "popular", 1, "batch_2025_10_17_16", day)],
        schemas.MOVIE_OBSERVATIONS,
    )  # fmt: skip
    assertDataFrameEqual(actual, expected)


def test_rebuilding_a_run_replaces_exactly_its_observations(spark):
    day = date(2025, 10, 17)
    existing = spark.createDataFrame(
        [(1, naive(2025, 10, 17, 12, 5), 1.0, 1, 1.0, "popular", 1, "batch_2025_10_17_12", day),
         (1, naive(2025, 10, 17, 16, 5), 2.0, 2, 2.0, "popular", 1, "batch_2025_10_17_16", day)],
        schemas.MOVIE_OBSERVATIONS,
    )  # fmt: skip
    fresh = spark.createDataFrame(
        [(1, naive(2025, 10, 17, 16, 6), 3.0, 3, 3.0, "popular", 2, "batch_2025_10_17_16", day)],
        schemas.MOVIE_OBSERVATIONS,
    )

    actual = observations.replace_runs(existing, fresh, ["batch_2025_10_17_16"])

    assertDataFrameEqual(actual, existing.where("batch_run_id = 'batch_2025_10_17_12'").unionByName(fresh))


def test_processed_timestamp_is_the_logical_hour_of_the_run(spark):
    runs = spark.createDataFrame([("batch_2025_10_17_16",), ("nonsense",)], "batch_run_id string")

    actual = runs.select("batch_run_id", common.run_hour(F.col("batch_run_id")).alias("hour"))

    expected = spark.createDataFrame(
        [("batch_2025_10_17_16", naive(2025, 10, 17, 16)), ("nonsense", None)], "batch_run_id string, hour timestamp"
    )
    assertDataFrameEqual(actual, expected)
