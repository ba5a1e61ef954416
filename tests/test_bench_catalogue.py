"""The catalogue benchmark's Bronze generator (shape against the Bronze contracts) and its projection of the curve."""

from __future__ import annotations

import json
from datetime import date

import pytest
from pyspark.sql import functions as F

from bench import catalogue_lake
from bench.catalogue_scale import fit_power, project
from master_dataset import schema
from master_dataset.simulator.catalogue import hour_of
from master_dataset.simulator.exports import published_at

MOVIES = 40
DAY = date(2025, 11, 9)


@pytest.fixture(scope="module")
def catalogue():
    return catalogue_lake.catalogue_for(MOVIES)


def test_export_rows_are_the_days_export_lines_in_the_bronze_catalogue_shape(spark, catalogue) -> None:
    frame = catalogue_lake.export_frame(spark, MOVIES, DAY)

    assert frame.schema == schema.CATALOGUE_SCHEMA
    rows = sorted(frame.collect(), key=lambda row: row.movie_id)
    hour = hour_of(published_at(DAY))
    exported = [movie_id for movie_id in catalogue.movie_ids() if not catalogue.is_adult(movie_id)]
    assert [row.raw_json + "\n" for row in rows] == [catalogue.export_line(m, hour) for m in exported]
    assert {(r.api_endpoint, r.source_list, r.list_rank, r.export_date, r.batch_run_id) for r in rows} == {
        (schema.MOVIE_EXPORT, schema.EXPORT_SOURCE, None, DAY, "batch_2025_11_09_12")
    }


def test_first_load_holds_every_exported_movies_details_parsable_with_the_details_schema(spark, catalogue) -> None:
    frame = catalogue_lake.details_frame(spark, MOVIES, DAY, first_load=True)

    assert frame.schema == schema.BRONZE_RECORD_SCHEMA
    parsed = frame.select(
        "movie_id", "api_endpoint", F.from_json("raw_json", schema.MOVIE_DETAILS_SCHEMA).alias("details")
    ).collect()
    exported = [movie_id for movie_id in catalogue.movie_ids() if not catalogue.is_adult(movie_id)]
    assert sorted(row.movie_id for row in parsed) == exported
    assert all(row.details.id == row.movie_id and row.details.credits is not None for row in parsed)
    assert {row.api_endpoint for row in parsed} == {schema.MOVIE_DETAILS}


def test_a_daily_run_fetches_the_details_of_exactly_the_movies_changed_that_day(spark) -> None:
    movies = 2000  # about 2 % change on a day: some forty movies
    catalogue = catalogue_lake.catalogue_for(movies)

    frame = catalogue_lake.details_frame(spark, movies, DAY, first_load=False)

    fetched = sorted(row.movie_id for row in frame.select("movie_id").collect())
    assert fetched == [movie_id for movie_id in catalogue.edited_on(DAY).tolist() if not catalogue.is_adult(movie_id)]
    assert 0 < len(fetched) < movies * 0.05


def test_details_bodies_are_the_simulators_compact_json(catalogue) -> None:
    hour = catalogue_lake.run_hour(DAY)
    movie_id = catalogue.movie_id(3)

    body = catalogue_lake.details_rows(catalogue, [movie_id], hour)["raw_json"][0]

    expected = catalogue.details(movie_id, hour_of(hour.start), schema.DETAILS_APPEND.split(","))
    assert json.loads(body) == expected
    assert ", " not in body[:200] and '": ' not in body[:200]


def test_power_fit_goes_through_the_two_largest_sizes() -> None:
    scale, exponent = fit_power([(10, 5.0), (100, 20.0), (1000, 200.0)])

    assert exponent == pytest.approx(1.0)
    assert scale * 1000**exponent == pytest.approx(200.0)


def test_a_projected_time_is_the_larger_of_the_straight_line_and_the_power_law() -> None:
    sizes = [
        {"movies": 10_000, "steps": {"gold": {"wall_seconds": 50.0}, "silver_full_refresh": {"wall_seconds": 10.0}},
         "stack_peak_gib": 5.0, "daily": None},
        {"movies": 100_000, "steps": {"gold": {"wall_seconds": 140.0}, "silver_full_refresh": {"wall_seconds": 400.0}},
         "stack_peak_gib": 6.0, "daily": None},
    ]  # fmt: skip

    projected = project(sizes, 1_000_000)

    # A fixed cost flattens Gold's curve: 50 s + 1 s a thousand movies.
    assert projected["gold"]["value"] == pytest.approx(1040.0)
    assert projected["gold"]["from_sizes"] == [10_000, 100_000]
    # Silver grows faster than its rows (N^1.6): the power law is the larger.
    assert projected["silver_full_refresh"]["value"] == pytest.approx(400.0 * 10**1.60206, rel=1e-3)
    # The stack's memory slows as its heaps fill: its power law, 6 GiB * 10 ** log10(6 / 5).
    assert projected["stack"]["value"] == pytest.approx(7.2)
    assert "daily" not in projected


def test_nothing_is_projected_for_a_size_that_was_measured() -> None:
    sizes = [
        {"movies": 100_000, "steps": {}, "daily": {"wall_seconds": 10.0}},
        {"movies": 1_000_000, "steps": {}, "daily": {"wall_seconds": 60.0}},
    ]

    assert project(sizes, 1_000_000) == {}
