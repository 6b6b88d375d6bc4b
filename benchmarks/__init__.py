"""Benchmarks and the stream generator they share with the tests; run the scripts directly."""
