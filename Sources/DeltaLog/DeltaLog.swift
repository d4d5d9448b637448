// The Delta log lands here (issue 4).
