"""The ``medcoder`` command line: thin shells over the library (parse, call, render)."""
