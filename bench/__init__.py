"""Benchmarks of envadmin on Redis + PostgreSQL: see bench/README.md."""
