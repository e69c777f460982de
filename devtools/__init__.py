"""Tools for developers, not shipped in the image: the demo company, the large seeded company,
and the benchmarks behind `make run`, `make bench` and the tests."""
