// Generated from the Gold views (batch_views/registry.py) by `python -m batch_views.registry --write` (make generate):
// do not edit here.
//
// Serving collections and indexes of a fresh mongo:7.0 (mounted into /docker-entrypoint-initdb.d/).
//
// The same indexes, with the same (default) names, as batch_views.serving.update_serving_indexes, which the
// exporter runs after every export: whichever runs first creates them, the other finds them in place.
// Idempotent: collections and indexes that exist are left as they are. The comment of an index names the view
// types whose queries need it.
//
//   mongosh "$MONGODB_CONNECTION_STRING" --file docker/mongo-init.js     (MONGODB_DATABASE, default moviedb)

const serving = db.getSiblingDB(process.env.MONGODB_DATABASE || "moviedb");

const indexes = {
  batch_views: [
    { view_type: 1, computed_at: -1 }, // every view type
    { batch_run_id: 1 }, // every view type
    { computed_at: -1 }, // every view type
    { view_type: 1, genre: 1, year: 1, month: 1 }, // genre_analytics
    { view_type: 1, genre: 1, year: 1 }, // genre_analytics
    { view_type: 1, window_days: 1, trending_score: -1 }, // trending_movies
    { view_type: 1, movie_id: 1 }, // trending_movies, movie_analytics
    { movie_id: 1, view_type: 1 }, // trending_movies, movie_analytics
  ],
  batch_runs: [
    { status: 1, finished_at: -1 }, // the latest complete run
  ],
};

const existing = serving.getCollectionNames();
for (const [collection, keyPatterns] of Object.entries(indexes)) {
  if (!existing.includes(collection)) {
    serving.createCollection(collection);
  }
  for (const keys of keyPatterns) {
    const name = Object.entries(keys)
      .map(([field, direction]) => field + "_" + direction)
      .join("_");
    serving.getCollection(collection).createIndex(keys, { name: name });
  }
  print(serving.getName() + "." + collection + ": " + keyPatterns.length + " serving indexes in place");
}
