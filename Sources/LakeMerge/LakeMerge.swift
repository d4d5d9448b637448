// The merge engine lands here (issue 6).
