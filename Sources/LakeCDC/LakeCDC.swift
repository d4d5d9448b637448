// The CDC writer lands here (issue 5).
