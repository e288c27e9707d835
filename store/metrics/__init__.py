"""What ops figures and /metrics read from the store, and the counters and histograms workers write for them."""
