"""Gold view definitions (pure DataFrame functions) and the serving export.

Each view module declares its views (``GoldView``, see ``batch_views.gold_view``) beside their builders;
``batch_views.registry`` lists them, and everything else that needs the views (the Gold job, its suites, the
export, the serving indexes, the generated docs) is derived from that registry. Importing this package imports
nothing else.
"""
