// The S3 store lands here (issue 2).
