// Serving collections and indexes of a fresh mongo:7.0 (mounted into /docker-entrypoint-initdb.d/).
//
// The same indexes, with the same (default) names, as batch_views.serving.update_serving_indexes, which the
// exporter runs after every export: whichever runs first creates them, the other finds them in place.
// Idempotent: collections and indexes that exist are left as they are.
//
//   mongosh "$MONGODB_CONNECTION_STRING" --file docker/mongo-init.js     (MONGODB_DATABASE, default moviedb)

const serving = db.getSiblingDB(process.env.MONGODB_DATABASE || "moviedb");

const indexes = {
  batch_views: [
    // The seed's "Output Destination" indexes (plus the default _id_).
    { view_type: 1, genre: 1, year: 1, month: 1 }, // genre analytics queries
    { view_type: 1, movie_id: 1 }, // movie-specific queries
    { view_type: 1, computed_at: -1 }, // freshness queries
    { batch_run_id: 1 }, // batch run tracking
    { view_type: 1, window_days: 1, trending_score: -1 }, // trending queries
    // The seed's "Batch Views (MongoDB Export)" indexes; documents are flat, so data.genre/data.year are
    // the top-level genre/year.
    { movie_id: 1, view_type: 1 },
    { view_type: 1, genre: 1, year: 1 },
    { computed_at: -1 },
  ],
  // A reader finds the latest complete run by status, then finish time or run id (_id, always indexed).
  batch_runs: [{ status: 1, finished_at: -1 }],
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
