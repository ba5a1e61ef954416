"""Great Expectations suites of the batch layer (GX 1.x, defined in code) and their runner.

Importing this package is cheap; Great Expectations itself is imported only when a validation runs.
"""
