// The seed's sample queries on moviedb.batch_views ("Query MongoDB Data"), printed readably.
//
//   mongosh "$MONGODB_CONNECTION_STRING" --quiet --file scripts/mongo_queries.js
//   (make mongo-query-views runs it through `python -m batch_views.serving query-views`)
//
// Environment:
//   MONGODB_DATABASE          database to query (default: the connection string's database)
//   QUERY_YEAR, QUERY_MONTH   period of the temporal query (default: the logical hour of the latest complete run
//                             in batch_runs, else the latest month served, else the current month)
//
// The four queries are the seed's text, unchanged; only how their results are printed is added.

db = db.getSiblingDB(process.env.MONGODB_DATABASE || db.getName());

function heading(title) {
  console.log("");
  console.log("== " + title + " ==");
}

function show(documents) {
  if (documents.length === 0) {
    console.log("(no documents)");
    return;
  }
  documents.forEach((document) => printjson(document));
}

function temporalPeriod() {
  const year = parseInt(process.env.QUERY_YEAR || "", 10);
  const month = parseInt(process.env.QUERY_MONTH || "", 10);
  if (!isNaN(year) && !isNaN(month)) {
    return { year: year, month: month, source: "QUERY_YEAR/QUERY_MONTH" };
  }
  const latest = db.batch_runs.find({ status: "complete" }).sort({ _id: -1 }).limit(1).toArray()[0];
  if (latest && latest.logical_hour) {
    const hour = new Date(latest.logical_hour);
    return { year: hour.getUTCFullYear(), month: hour.getUTCMonth() + 1, source: "latest run " + latest._id };
  }
  const served = db.batch_views
    .find({ view_type: "temporal_analytics", period: "month" })
    .sort({ year: -1, month: -1 })
    .limit(1)
    .toArray()[0];
  if (served) {
    return { year: served.year, month: served.month, source: "latest month served" };
  }
  const now = new Date();
  return { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, source: "current month" };
}

const latestRun = db.batch_runs.find({ status: "complete" }).sort({ _id: -1 }).limit(1).toArray()[0];
console.log("Database " + db.getName() + ": " + db.batch_views.countDocuments({}) + " documents in batch_views");
if (latestRun) {
  console.log(
    "Latest complete run: " + latestRun._id + " (finished " + new Date(latestRun.finished_at).toISOString() +
      ", " + latestRun.total_documents + " documents)"
  );
} else {
  console.log("No complete run recorded in batch_runs yet");
}

// 1. Count documents by view type
heading("1. Count documents by view type");
const counts = db.batch_views.aggregate([
  { $group: { _id: "$view_type", count: { $sum: 1 } } }
]).toArray();
if (counts.length === 0) {
  console.log("(no documents)");
}
counts
  .sort((a, b) => String(a._id).localeCompare(String(b._id)))
  .forEach((entry) => console.log("  " + entry._id + ": " + entry.count));

// 2. Get genre analytics
heading("2. Get genre analytics (Action)");
show(db.batch_views.find({ 
  view_type: "genre_analytics",
  genre: "Action"
}).pretty().toArray());

// 3. Top 5 trending movies
heading("3. Top 5 trending movies");
show(db.batch_views.find({
  view_type: "trending_movies"
}).sort({
  trending_score: -1
}).limit(5).toArray());

// 4. Temporal analytics for a year and month
const period = temporalPeriod();
heading(
  "4. Temporal analytics for " + period.year + "-" + String(period.month).padStart(2, "0") +
    " (" + period.source + ")"
);
show(db.batch_views.find({
  view_type: "temporal_analytics",
  year: period.year,
  month: period.month
}).toArray());
