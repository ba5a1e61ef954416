"""Shared declarations of the batch layer's DAGs: defaults, assets, task factories, the three stages.

The DAG files import from here; Airflow does not parse this package as DAGs (see .airflowignore). Nothing here
imports the product's packages at parse time: the tasks import their jobs when they run.
"""
