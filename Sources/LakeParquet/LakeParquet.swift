// The Parquet writer and reader land here (issue 3).
