"""The master dataset: TMDB ingestion into the immutable Bronze layer, its schemas and its partitioning."""
