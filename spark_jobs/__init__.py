"""Spark jobs of the batch layer: Bronze, Silver and Gold, each with main, extract, transform, validate, load."""
