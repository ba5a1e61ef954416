"""Shared declarations of the batch layer's DAGs: default arguments, task factories, the three stages.

The DAG files import from here; Airflow does not parse this package as DAGs (see .airflowignore).
"""
