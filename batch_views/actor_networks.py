"""The actor collaboration graph: who played with whom, how often, and which cliques connect.

Vertices are the top-billed ``top_cast`` cast members of each movie (by billing order); an edge joins two of them
who appear in the same movie, weighted by the number of movies they share. Two views come from it:

- ``actor_collaborations``, key ``(actor_a_id, actor_b_id)`` with ``actor_a_id < actor_b_id``: the edges.
- ``actor_networks``, key ``actor_id``: each actor's degree, weighted degree, connected component and strongest
  collaborators.

Everything is DataFrame joins and aggregations that run on the executors; the graph never goes to the driver.
Connected components use label propagation (see :func:`connected_components`), because GraphFrames' JVM package
is not available and GraphX has no Python API.
"""

from __future__ import annotations

import logging
from datetime import datetime

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from batch_views.common import conform_to, top_n_structs, with_computed_partition, with_run_columns
from batch_views.gold_view import COMPUTED_PARTITION_FIELDS, RUN_FIELDS, GoldView, Serving, expect, struct

log = logging.getLogger(__name__)

DEFAULT_MAX_ITERATIONS = 100
CHECKPOINT_EVERY = 4


_TOP_COLLABORATORS_TYPE = "array<struct<actor_id:int,actor_name:string,weight:bigint>>"

ACTOR_NETWORKS = struct(
    ("actor_id", T.IntegerType()),
    ("actor_name", T.StringType()),
    ("movies", T.LongType()),
    ("collaborators", T.LongType()),
    ("weighted_degree", T.LongType()),
    ("component_id", T.IntegerType()),
    ("component_size", T.LongType()),
    (
        "top_collaborators",
        T.ArrayType(struct(("actor_id", T.IntegerType()), ("actor_name", T.StringType()), ("weight", T.LongType()))),
    ),
    *COMPUTED_PARTITION_FIELDS,
    *RUN_FIELDS,
)

ACTOR_COLLABORATIONS = struct(
    ("actor_a_id", T.IntegerType()),
    ("actor_a_name", T.StringType()),
    ("actor_b_id", T.IntegerType()),
    ("actor_b_name", T.StringType()),
    ("weight", T.LongType()),
    ("movie_titles", T.ArrayType(T.StringType())),
    *COMPUTED_PARTITION_FIELDS,
    *RUN_FIELDS,
)


def top_billed(movies: DataFrame, top_cast: int) -> DataFrame:
    """The first ``top_cast`` cast members of each movie by billing order (ties by actor id).

    Returns ``movie_id, title, release_date, actor_id, actor_name, billing_rank`` (1-based). An actor credited
    twice in one movie (two roles) is one billing, at the better position; members without an id are skipped.
    """
    credits = movies.select("movie_id", "title", "release_date", F.explode("cast").alias("member")).select(
        "movie_id",
        "title",
        "release_date",
        F.col("member.id").alias("actor_id"),
        F.col("member.name").alias("actor_name"),
        F.col("member.order").alias("billing_order"),
    )
    best_credit = Window.partitionBy("movie_id", "actor_id").orderBy(F.col("billing_order").asc_nulls_last())
    billing = Window.partitionBy("movie_id").orderBy(F.col("billing_order").asc_nulls_last(), "actor_id")
    return (
        credits.where(F.col("actor_id").isNotNull())
        .withColumn("_credit", F.row_number().over(best_credit))
        .where(F.col("_credit") == 1)
        .withColumn("billing_rank", F.row_number().over(billing))
        .where(F.col("billing_rank") <= top_cast)
        .drop("_credit", "billing_order")
    )


def actor_names(billing: DataFrame) -> DataFrame:
    """``actor_id, actor_name, movies``: the name as credited in the actor's latest movie, and their movie count."""
    return billing.groupBy("actor_id").agg(
        F.max_by("actor_name", F.struct(F.col("release_date"), F.col("movie_id"))).alias("actor_name"),
        F.countDistinct("movie_id").alias("movies"),
    )


def collaboration_edges(billing: DataFrame) -> DataFrame:
    """``actor_a_id < actor_b_id, weight, movie_titles``: one edge per pair billed together in any movie."""
    pair_a = billing.select("movie_id", "title", F.col("actor_id").alias("actor_a_id"))
    pair_b = billing.select("movie_id", F.col("actor_id").alias("actor_b_id"))
    return (
        pair_a.join(pair_b, "movie_id")
        .where(F.col("actor_a_id") < F.col("actor_b_id"))
        .groupBy("actor_a_id", "actor_b_id")
        .agg(
            F.count(F.lit(1)).alias("weight"),
            F.array_sort(F.collect_list("title")).alias("movie_titles"),
        )
    )


def connected_components(
    vertices: DataFrame,
    edges: DataFrame,
    *,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> DataFrame:
    """``id, component_id``: every vertex labelled with the smallest vertex id of its connected component.

    ``vertices`` has ``id``; ``edges`` has ``src, dst`` (either direction is enough). Label propagation: every
    vertex starts with its own id as label and repeatedly takes the smallest label among itself and its
    neighbours, until no label changes. Only vertices whose label changed in the previous round send it on, so
    late rounds touch only the frontier. The rounds needed equal the largest distance from a component's smallest
    vertex to any other vertex of the component, a handful for collaboration graphs.

    Each round is materialised once (its changes are counted from it, and the next round reads it) and the
    round before is released; every ``CHECKPOINT_EVERY`` rounds it is checkpointed locally instead, which cuts
    the lineage so that neither the plan nor a recomputation grows with the number of rounds. Duplicate edges
    and self-loops cost work but cannot change a minimum, so edges need no deduplication. A graph that has not
    converged after ``max_iterations`` rounds raises, rather than publishing components that are not
    connected components.
    """
    neighbours = edges.select("src", "dst").unionByName(
        edges.select(F.col("dst").alias("src"), F.col("src").alias("dst"))
    )
    labels = vertices.select("id", F.col("id").alias("label"), F.lit(True).alias("changed"))
    previous: DataFrame | None = None
    for iteration in range(1, max_iterations + 1):
        frontier = labels.where("changed").select(F.col("id").alias("dst"), F.col("label").alias("offer"))
        offers = neighbours.join(frontier, "dst").groupBy(F.col("src").alias("id")).agg(F.min("offer").alias("offer"))
        labels = labels.join(offers, "id", "left").select(
            "id",
            F.least("label", F.coalesce("offer", "label")).alias("label"),
            F.coalesce(F.col("offer") < F.col("label"), F.lit(False)).alias("changed"),
        )
        labels = labels.localCheckpoint() if iteration % CHECKPOINT_EVERY == 0 else labels.persist()
        changed = labels.where("changed").count()
        if previous is not None:
            previous.unpersist()
        previous = labels
        log.info("connected components: round %d, %d labels changed", iteration, changed)
        if changed == 0:
            return labels.select("id", F.col("label").alias("component_id"))
    raise RuntimeError(f"connected components did not converge within {max_iterations} rounds")


def actor_collaborations(movies: DataFrame, *, computed_at: datetime, top_cast: int) -> DataFrame:
    """One row per pair of actors billed together: ``weight`` = movies together, ``movie_titles`` sorted."""
    billing = top_billed(movies, top_cast)
    names = actor_names(billing)
    name_a = names.select(F.col("actor_id").alias("actor_a_id"), F.col("actor_name").alias("actor_a_name"))
    name_b = names.select(F.col("actor_id").alias("actor_b_id"), F.col("actor_name").alias("actor_b_name"))
    return (
        collaboration_edges(billing)
        .join(name_a, "actor_a_id")
        .join(name_b, "actor_b_id")
        .transform(with_computed_partition, computed_at)
        .transform(with_run_columns, computed_at)
        .transform(conform_to, ACTOR_COLLABORATIONS)
    )


def actor_networks(
    movies: DataFrame,
    *,
    computed_at: datetime,
    top_cast: int,
    top_collaborators: int,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> DataFrame:
    """One row per billed actor.

    - ``movies``: movies the actor is top-billed in.
    - ``collaborators``: distinct actors billed with them (their degree); ``weighted_degree``: the sum of the
      weights of their edges (collaborations counted per movie).
    - ``component_id``: the smallest actor id of their connected component; ``component_size``: its actors.
      An actor without collaborators is a component of one.
    - ``top_collaborators``: the ``top_collaborators`` heaviest edges (ties by lower actor id), heaviest first.

    Runs Spark actions (one per label-propagation round) but reads and writes nothing.
    """
    # Billing and edges feed several joins and every propagation round: materialise each once.
    billing = top_billed(movies, top_cast).localCheckpoint()
    actors = actor_names(billing)
    edges = collaboration_edges(billing).select("actor_a_id", "actor_b_id", "weight").localCheckpoint()
    # Each edge seen from both of its ends.
    incident = edges.select(
        F.col("actor_a_id").alias("actor_id"), F.col("actor_b_id").alias("other_id"), "weight"
    ).unionByName(edges.select(F.col("actor_b_id").alias("actor_id"), F.col("actor_a_id").alias("other_id"), "weight"))
    degrees = incident.groupBy("actor_id").agg(
        F.count(F.lit(1)).alias("collaborators"),
        F.sum("weight").alias("weighted_degree"),
    )
    components = connected_components(
        actors.select(F.col("actor_id").alias("id")),
        edges.select(F.col("actor_a_id").alias("src"), F.col("actor_b_id").alias("dst")),
        max_iterations=max_iterations,
    ).withColumnRenamed("id", "actor_id")
    sizes = components.groupBy("component_id").agg(F.count(F.lit(1)).alias("component_size"))
    strongest = top_n_structs(
        incident.join(
            actors.select(F.col("actor_id").alias("other_id"), F.col("actor_name").alias("other_name")), "other_id"
        ),
        by=["actor_id"],
        order=[F.col("weight").desc(), F.col("other_id")],
        n=top_collaborators,
        fields={"actor_id": "other_id", "actor_name": "other_name", "weight": "weight"},
        name="top_collaborators",
    )
    return (
        actors.join(degrees, "actor_id", "left")
        .join(components, "actor_id")
        .join(sizes, "component_id")
        .join(strongest, "actor_id", "left")
        .select(
            "actor_id",
            "actor_name",
            "movies",
            F.coalesce("collaborators", F.lit(0).cast("long")).alias("collaborators"),
            F.coalesce("weighted_degree", F.lit(0).cast("long")).alias("weighted_degree"),
            F.col("component_id").cast("int").alias("component_id"),
            "component_size",
            F.coalesce("top_collaborators", F.array().cast(_TOP_COLLABORATORS_TYPE)).alias("top_collaborators"),
        )
        .transform(with_computed_partition, computed_at)
        .transform(with_run_columns, computed_at)
        .transform(conform_to, ACTOR_NETWORKS)
    )


ACTOR_NETWORKS_VIEW = GoldView(
    name="actor_networks",
    build=lambda run: actor_networks(
        run.movies, computed_at=run.computed_at, top_cast=run.top_cast, top_collaborators=run.top_collaborators
    ),
    schema=ACTOR_NETWORKS,
    key=("actor_id",),
    grain="top-billed actor",
    inputs=("movies",),
    layout_columns=("year", "month"),
    layout_meaning="computed date",
    expectations=(expect("ExpectColumnValuesToBeBetween", column="component_size", min_value=1),),
    # The computed year/month say when the snapshot was taken: computed_at says it already.
    serving=Serving("actor_network", key=("actor_id",), unserved=("year", "month")),
)

ACTOR_COLLABORATIONS_VIEW = GoldView(
    name="actor_collaborations",
    build=lambda run: actor_collaborations(run.movies, computed_at=run.computed_at, top_cast=run.top_cast),
    schema=ACTOR_COLLABORATIONS,
    key=("actor_a_id", "actor_b_id"),
    grain="pair billed together (a < b)",
    inputs=("movies",),
    layout_columns=("year", "month"),
    layout_meaning="computed date",
    expectations=(expect("ExpectColumnPairValuesAToBeGreaterThanB", column_A="actor_b_id", column_B="actor_a_id"),),
)
