"""`make bench`: speed and memory of every stage of the batch layer, beside the seed's figures and the targets.

Entry point :mod:`bench.run` (``python -m bench.run --help``); the latest report is ``bench/results/README.md``.
"""
