"""Shared Spark helpers: session factory, lake paths and filesystem, job logging."""
