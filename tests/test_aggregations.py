"""Gold views on hand-made Silver: every expected number is worked out by hand in the test."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pyspark.sql import Row
from pyspark.sql import functions as F
from pyspark.testing import assertDataFrameEqual

from batch_views.actor_networks import actor_collaborations, actor_networks, connected_components
from batch_views.common import usable_movies
from batch_views.genre_trends import genre_analytics
from batch_views.movie_analytics import movie_analytics
from batch_views.sentiment_trends import sentiment_trends
from batch_views.temporal_analysis import temporal_analysis
from batch_views.trending import trending_scores
from tests import silver_builders as silver
from tests.silver_builders import cast, utc

COMPUTED_AT = utc(2025, 6, 1, 12)
RUN_ID = "batch_2025_06_01_12"


# Silver input


def test_usable_movies_leave_out_movies_flagged_error(spark):
    movies = silver.movies(
        spark,
        [
            {"movie_id": 1, "quality_flag": "OK"},
            {"movie_id": 2, "quality_flag": "WARNING"},
            {"movie_id": 3, "quality_flag": "ERROR"},
        ],
    )

    assertDataFrameEqual(usable_movies(movies).select("movie_id"), [Row(1), Row(2)])


# genre_analytics


def test_genre_analytics_counts_each_genre_and_leaves_unknown_revenue_out_of_sums(spark):
    movies = silver.movies(
        spark,
        [
            # Action and Drama, May 2024.
            {"movie_id": 1, "title": "Alpha", "genres": ["Action", "Drama"], "release_date": date(2024, 5, 10),
             "vote_average": 8.0, "vote_count": 100, "popularity": 50.0, "revenue": 1000, "sentiment_score": 0.5},
            # Revenue unknown: not in the total, but the movie still counts.
            {"movie_id": 2, "title": "Beta", "genres": ["Action"], "release_date": date(2024, 5, 20),
             "vote_average": 6.0, "vote_count": 50, "popularity": 70.0, "revenue": None, "sentiment_score": -0.1},
            # No votes: TMDB's 0.0 average is no rating, left out of avg_rating.
            {"movie_id": 3, "title": "Gamma", "genres": ["Action"], "release_date": date(2024, 5, 1),
             "vote_average": 0.0, "vote_count": 0, "popularity": 10.0, "revenue": 3000, "sentiment_score": None},
            # The only Drama of June 2024 has no known revenue: the total is unknown, not 0.
            {"movie_id": 4, "title": "Delta", "genres": ["Drama"], "release_date": date(2024, 6, 2),
             "vote_average": 7.0, "vote_count": 10, "popularity": 5.0, "revenue": None, "sentiment_score": 0.2},
            # No genres: counted under Unknown.
            {"movie_id": 5, "title": "Epsilon", "genres": [], "release_date": date(2024, 5, 3),
             "vote_average": 5.0, "vote_count": 2, "popularity": 1.0, "revenue": 40, "sentiment_score": None},
            # No release date: no month to count it in.
            {"movie_id": 6, "title": "Zeta", "genres": ["Action"], "release_date": None,
             "vote_average": 9.0, "vote_count": 9, "popularity": 99.0, "revenue": 9},
        ],
    )  # fmt: skip

    result = genre_analytics(movies, computed_at=COMPUTED_AT)

    top = Row("movie_id", "title", "popularity")
    assertDataFrameEqual(
        result.drop("batch_run_id", "computed_at"),
        [
            # avg_rating (8 + 6) / 2; revenue 1000 + 3000; sentiment (0.5 - 0.1) / 2; popularity (50 + 70 + 10) / 3.
            Row("Action", 2024, 5, 3, 7.0, 4000, 0.2, 130.0 / 3, 150,
                [top(2, "Beta", 70.0), top(1, "Alpha", 50.0), top(3, "Gamma", 10.0)]),
            Row("Drama", 2024, 5, 1, 8.0, 1000, 0.5, 50.0, 100, [top(1, "Alpha", 50.0)]),
            Row("Drama", 2024, 6, 1, 7.0, None, 0.2, 5.0, 10, [top(4, "Delta", 5.0)]),
            Row("Unknown", 2024, 5, 1, 5.0, 40, None, 1.0, 2, [top(5, "Epsilon", 1.0)]),
        ],
    )  # fmt: skip
    assertDataFrameEqual(
        result.select("batch_run_id", "computed_at").distinct(), [Row(RUN_ID, COMPUTED_AT.replace(tzinfo=None))]
    )


def test_genre_analytics_top_movies_are_the_five_most_popular(spark):
    movies = silver.movies(
        spark,
        [
            {"movie_id": movie_id, "title": f"Movie {movie_id}", "genres": ["Horror"],
             "release_date": date(2023, 10, 31), "popularity": popularity, "vote_count": 1, "vote_average": 5.0}
            for movie_id, popularity in [(1, 5.0), (2, 60.0), (3, 30.0), (4, 30.0), (5, 90.0), (6, 1.0), (7, 45.0)]
        ],
    )  # fmt: skip

    result = genre_analytics(movies, computed_at=COMPUTED_AT)

    # Most popular first; the 30.0 tie goes to the lower movie id; movies 1 and 6 are not in the five.
    assert result.select(F.transform("top_movies", lambda movie: movie["movie_id"])).first()[0] == [5, 2, 7, 3, 4]


# trending_scores


def test_trending_velocity_is_the_daily_slope_in_every_window_and_null_with_one_observation(spark):
    rising = [
        # Movie 1 rises 10 points a day: 1000 at the logical hour, 990 a day earlier, ... over 90 days.
        {"movie_id": 1, "observed_at": COMPUTED_AT - timedelta(days=days_ago), "popularity": 1000.0 - 10 * days_ago}
        for days_ago in range(91)
    ]
    others = [
        # Made by the next run (the schedule interval is 4 hours): not an observation of this one.
        {"movie_id": 1, "observed_at": COMPUTED_AT + timedelta(hours=4), "popularity": 5000.0},
        # One observation only: no velocity.
        {"movie_id": 2, "observed_at": COMPUTED_AT - timedelta(days=2), "popularity": 500.0},
        # Falls 10 points in a day.
        {"movie_id": 3, "observed_at": COMPUTED_AT - timedelta(days=1), "popularity": 30.0},
        {"movie_id": 3, "observed_at": COMPUTED_AT, "popularity": 20.0},
    ]
    observations = silver.observations(spark, rising + others)
    movies = silver.movies(spark, [{"movie_id": i, "title": f"T{i}"} for i in (1, 2, 3)])

    result = trending_scores(observations, movies, computed_at=COMPUTED_AT)

    # Windows hold observed_at in (hour - N days, hour + 4 h): movie 1 has 7, 30 and 90 readings (90 days ago is
    # out).
    # popularity_avg of 1000 - 10k for k = 0..N-1 is 1000 - 10 (N - 1) / 2.
    # trending_score, the same in each window: velocity ranks among movies 3 (-10) and 1 (+10) are 1/2 and 1,
    # movie 2 has none (0); popularity ranks of 20, 500, 1000 are 1/3, 2/3, 1.
    # Movie 1: 100 (0.6 + 0.4) = 100; movie 2: 100 (0.4 * 2/3) = 26.6667; movie 3: 100 (0.3 + 0.4/3) = 43.3333.
    expected = []
    for window, days in [("7d", 7), ("30d", 30), ("90d", 90)]:
        expected += [
            Row(1, "T1", window, days, days, 1000.0, 1000.0 - 5.0 * (days - 1), 10.0, 100.0),
            Row(2, "T2", window, days, 1, 500.0, 500.0, None, 26.6667),
            Row(3, "T3", window, days, 2, 20.0, 25.0, -10.0, 43.3333),
        ]
    columns = ["movie_id", "title", "window", "window_days", "observations", "popularity_now", "popularity_avg",
               "velocity", "trending_score"]  # fmt: skip
    assertDataFrameEqual(result.select(*columns), expected)
    assertDataFrameEqual(
        result.select("computed_date", "year", "month", "batch_run_id").distinct(),
        [Row(date(2025, 6, 1), 2025, 6, RUN_ID)],
    )


def test_trending_counts_the_runs_own_readings_made_after_its_logical_hour(spark):
    observations = silver.observations(
        spark,
        [
            {"movie_id": 1, "observed_at": COMPUTED_AT - timedelta(hours=22), "popularity": 10.0},
            # The run's ingestion reads TMDB two hours after its logical hour.
            {"movie_id": 1, "observed_at": COMPUTED_AT + timedelta(hours=2), "popularity": 20.0},
        ],
    )
    movies = silver.movies(spark, [{"movie_id": 1, "title": "Fresh"}])

    result = trending_scores(observations, movies, computed_at=COMPUTED_AT, windows={"7d": 7})

    # 10 points in 24 hours: 10 a day.
    assertDataFrameEqual(result.select("observations", "popularity_now", "velocity"), [Row(2, 20.0, 10.0)])


def test_trending_two_readings_at_the_same_instant_give_no_velocity(spark):
    observations = silver.observations(
        spark,
        [
            {"movie_id": 1, "observed_at": COMPUTED_AT - timedelta(hours=1), "popularity": 10.0},
            {"movie_id": 1, "observed_at": COMPUTED_AT - timedelta(hours=1), "popularity": 12.0},
        ],
    )
    movies = silver.movies(spark, [{"movie_id": 1, "title": "Twin"}])

    result = trending_scores(observations, movies, computed_at=COMPUTED_AT, windows={"7d": 7})

    assertDataFrameEqual(
        result.select("observations", "popularity_now", "velocity", "trending_score"), [Row(2, 12.0, None, 40.0)]
    )


# temporal_analysis


def test_temporal_analysis_year_over_year_is_null_after_a_missing_year(spark):
    movies = silver.movies(
        spark,
        [
            {"movie_id": 1, "release_date": date(2021, 3, 1), "vote_average": 6.0, "vote_count": 10, "revenue": 100},
            {"movie_id": 2, "release_date": date(2021, 7, 1), "vote_average": 8.0, "vote_count": 10, "revenue": None},
            {"movie_id": 3, "release_date": date(2022, 3, 15), "vote_average": 7.5, "vote_count": 10, "revenue": 300},
            {"movie_id": 4, "release_date": date(2022, 3, 20), "vote_average": 0.0, "vote_count": 0, "revenue": 200},
            {"movie_id": 5, "release_date": date(2022, 8, 1), "vote_average": 8.5, "vote_count": 10, "revenue": None},
            # No movie in 2023.
            {"movie_id": 6, "release_date": date(2024, 3, 10), "vote_average": 9.0, "vote_count": 10, "revenue": 50},
            {"movie_id": 7, "release_date": None, "vote_average": 1.0, "vote_count": 10, "revenue": 7},
        ],
    )

    result = temporal_analysis(movies, computed_at=COMPUTED_AT)

    assertDataFrameEqual(
        result.drop("batch_run_id", "computed_at"),
        [
            Row("year", 2021, None, 2, 7.0, 100, None, None, None),
            # 2022 against 2021: movies 3 vs 2, rating (7.5 + 8.5) / 2 = 8 vs 7, revenue 500 vs 100.
            Row("year", 2022, None, 3, 8.0, 500, 50.0, 100.0 / 7, 400.0),
            # 2023 is missing: nothing to compare with, null rather than 0 % or -100 %.
            Row("year", 2024, None, 1, 9.0, 50, None, None, None),
            Row("month", 2021, 3, 1, 6.0, 100, None, None, None),
            Row("month", 2021, 7, 1, 8.0, None, None, None, None),
            # March 2022 against March 2021: 2 vs 1 movies, 7.5 vs 6.0, 500 vs 100.
            Row("month", 2022, 3, 2, 7.5, 500, 100.0, 25.0, 400.0),
            # August 2021 had no movie.
            Row("month", 2022, 8, 1, 8.5, None, None, None, None),
            Row("month", 2024, 3, 1, 9.0, 50, None, None, None),
        ],
    )


# actor_networks and actor_collaborations

CAST_GRAPH = [
    # Top 3 of "One" are A, B, C; D is billed fourth and left out, or the two components would be one.
    {"movie_id": 1, "title": "One", "cast": cast((1, "A", 0), (2, "B", 1), (3, "C", 2), (4, "D", 3))},
    # A plays two roles: one billing. A and B now share two movies.
    {"movie_id": 2, "title": "Two", "cast": cast((2, "B", 1), (1, "A", 0), (1, "A", 2))},
    {"movie_id": 3, "title": "Three", "cast": cast((4, "D", 0), (5, "E", 1))},
]


def test_actor_collaborations_weight_is_movies_together_with_their_titles(spark):
    movies = silver.movies(spark, CAST_GRAPH)

    result = actor_collaborations(movies, computed_at=COMPUTED_AT, top_cast=3)

    assertDataFrameEqual(
        result.drop("year", "month", "batch_run_id", "computed_at"),
        [
            Row(1, "A", 2, "B", 2, ["One", "Two"]),
            Row(1, "A", 3, "C", 1, ["One"]),
            Row(2, "B", 3, "C", 1, ["One"]),
            Row(4, "D", 5, "E", 1, ["Three"]),
        ],
    )


def test_actor_networks_degrees_and_two_components(spark):
    movies = silver.movies(spark, CAST_GRAPH)

    result = actor_networks(movies, computed_at=COMPUTED_AT, top_cast=3, top_collaborators=2)

    peer = Row("actor_id", "actor_name", "weight")
    assertDataFrameEqual(
        result.drop("batch_run_id", "computed_at"),
        [
            # Edges A-B (2), A-C (1), B-C (1): component {1, 2, 3}; edge D-E (1): component {4, 5}.
            Row(1, "A", 2, 2, 3, 1, 3, [peer(2, "B", 2), peer(3, "C", 1)], 2025, 6),
            Row(2, "B", 2, 2, 3, 1, 3, [peer(1, "A", 2), peer(3, "C", 1)], 2025, 6),
            Row(3, "C", 1, 2, 2, 1, 3, [peer(1, "A", 1), peer(2, "B", 1)], 2025, 6),
            Row(4, "D", 1, 1, 1, 4, 2, [peer(5, "E", 1)], 2025, 6),
            Row(5, "E", 1, 1, 1, 4, 2, [peer(4, "D", 1)], 2025, 6),
        ],
    )


def test_actor_networks_actor_without_collaborators_is_a_component_of_one(spark):
    movies = silver.movies(spark, [{"movie_id": 1, "title": "Solo", "cast": cast((7, "G", 0))}])

    result = actor_networks(movies, computed_at=COMPUTED_AT, top_cast=3, top_collaborators=2)

    assertDataFrameEqual(
        result.select("actor_id", "movies", "collaborators", "weighted_degree", "component_id", "component_size",
                      "top_collaborators"),
        [Row(7, 1, 0, 0, 7, 1, [])],
    )  # fmt: skip


def test_connected_components_follow_a_chain_to_its_smallest_vertex(spark):
    # 4 - 3 - 2 - 1 needs three rounds for label 1 to reach 4; 9 - 7 is a second component; 8 stands alone.
    vertices = spark.createDataFrame([(v,) for v in (1, 2, 3, 4, 7, 8, 9)], "id int")
    edges = spark.createDataFrame([(4, 3), (3, 2), (2, 1), (9, 7)], "src int, dst int")

    result = connected_components(vertices, edges)

    assertDataFrameEqual(result, [Row(1, 1), Row(2, 1), Row(3, 1), Row(4, 1), Row(7, 7), Row(8, 8), Row(9, 7)])


def test_connected_components_that_do_not_converge_within_the_bound_fail_instead_of_publishing(spark):
    vertices = spark.createDataFrame([(v,) for v in (1, 2, 3, 4)], "id int")
    edges = spark.createDataFrame([(4, 3), (3, 2), (2, 1)], "src int, dst int")

    # Label 1 needs three rounds to reach vertex 4, and a fourth to see that nothing changes.
    with pytest.raises(RuntimeError, match="did not converge within 2 rounds"):
        connected_components(vertices, edges, max_iterations=2)


# sentiment_trends


def test_sentiment_trends_per_genre_and_review_month_with_change_across_the_year_end(spark):
    movies = silver.movies(
        spark, [{"movie_id": 1, "genres": ["Drama", "Comedy"]}, {"movie_id": 2, "genres": ["Drama"]}]
    )
    reviews = silver.reviews(
        spark,
        [
            {"review_id": "r1", "movie_id": 1, "created_at": utc(2024, 12, 31, 23), "sentiment_score": 0.2,
             "sentiment_label": "positive"},
            {"review_id": "r2", "movie_id": 1, "created_at": utc(2025, 1, 10), "sentiment_score": 0.6,
             "sentiment_label": "positive"},
            {"review_id": "r3", "movie_id": 2, "created_at": utc(2025, 1, 20), "sentiment_score": -0.4,
             "sentiment_label": "negative"},
            {"review_id": "r4", "movie_id": 2, "created_at": utc(2025, 2, 5), "sentiment_score": 0.2,
             "sentiment_label": "positive"},
            {"review_id": "r5", "movie_id": 2, "created_at": utc(2025, 2, 6), "sentiment_score": 0.0,
             "sentiment_label": "neutral"},
            # Not scored: counted as a review, but in no average or share.
            {"review_id": "r6", "movie_id": 1, "created_at": utc(2025, 3, 1), "sentiment_score": None,
             "sentiment_label": None},
            # Written after the logical hour.
            {"review_id": "r7", "movie_id": 2, "created_at": utc(2025, 6, 2), "sentiment_score": 0.9,
             "sentiment_label": "positive"},
        ],
    )  # fmt: skip

    result = sentiment_trends(reviews, movies, computed_at=COMPUTED_AT)

    assertDataFrameEqual(
        result.drop("batch_run_id", "computed_at"),
        [
            Row("Comedy", 2024, 12, 1, 0.2, 1.0, 0.0, None),
            Row("Drama", 2024, 12, 1, 0.2, 1.0, 0.0, None),
            # Comedy January: r2 only; change against December 0.6 - 0.2.
            Row("Comedy", 2025, 1, 1, 0.6, 1.0, 0.0, 0.4),
            # Drama January: r2 and r3, mean (0.6 - 0.4) / 2 = 0.1; change 0.1 - 0.2.
            Row("Drama", 2025, 1, 2, 0.1, 0.5, 0.5, -0.1),
            # Drama February: r4 and r5, mean 0.1, one positive of two; change 0.1 - 0.1.
            Row("Drama", 2025, 2, 2, 0.1, 0.5, 0.0, 0.0),
            Row("Comedy", 2025, 3, 1, None, None, None, None),
            Row("Drama", 2025, 3, 1, None, None, None, None),
        ],
    )


# movie_analytics


def test_movie_analytics_roi_only_when_revenue_and_budget_are_known_and_top_cast_in_billing_order(spark):
    movies = silver.movies(
        spark,
        [
            {"movie_id": 1, "title": "Hit", "budget": 100, "revenue": 300, "popularity": 12.5,
             "cast": cast((11, "Second", 1), (10, "First", 0), (12, "Third", 2))},
            {"movie_id": 2, "title": "Unknown budget", "budget": None, "revenue": 300, "popularity": 3.0},
            {"movie_id": 3, "title": "Unreleased", "budget": 50, "revenue": None, "popularity": 1.0},
        ],
    )  # fmt: skip

    result = movie_analytics(movies, computed_at=COMPUTED_AT, top_cast=2)

    assertDataFrameEqual(
        result.select("movie_id", "title", "popularity_now", "budget", "revenue", "roi", "top_cast"),
        [
            Row(1, "Hit", 12.5, 100, 300, 3.0, ["First", "Second"]),
            Row(2, "Unknown budget", 3.0, None, 300, None, []),
            Row(3, "Unreleased", 1.0, 50, None, None, []),
        ],
    )
