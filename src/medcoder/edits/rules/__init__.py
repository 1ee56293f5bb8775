"""The edit rules, one family per module; importing this package registers them all."""

from medcoder.edits.rules import conventions, documentation, mce, ncci, poa, validity  # noqa: F401
