"""The lake's layers as Airflow Assets: what chains the stand-alone stage DAGs.

`batch_ingestion` emits BRONZE when it stored an hour, `batch_transform` is scheduled on it and emits SILVER,
`batch_aggregate` is scheduled on SILVER. Each event carries the hour it is about in its extra
(``{"logical_hour": ..., "reingest": ...}``), which the triggered run processes. The pipeline DAG chains the
same stages with task dependencies inside one run and emits no events, so an hour it runs is not run again.
"""

from __future__ import annotations

from airflow.sdk import Asset

BRONZE = Asset(name="tmdb_bronze", uri="batch-layer://lake/bronze", group="batch_layer")
SILVER = Asset(name="tmdb_silver", uri="batch-layer://lake/silver", group="batch_layer")
