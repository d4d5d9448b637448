// Codecs land here (issue 3).
