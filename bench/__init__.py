"""``python -m bench`` (``make bench``): load tests of the whole vault beside raw baselines.

Starts the stack the way ``make run`` does (``devstack.LocalStack``, migrations, the four processes),
drives it over its public interfaces and straight through the library classes, and writes
``docs/benchmarks/results.json``, PNG plots and ``docs/benchmarks/README.md``. See that README for
the method, the targets and the latest numbers.
"""
