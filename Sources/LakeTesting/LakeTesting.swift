// Test support lands here.
