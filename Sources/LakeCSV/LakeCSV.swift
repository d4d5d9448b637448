// CSV lands here (issue 3).
