"""Clinical documentation improvement: physician queries where the record lacks what a code needs."""

from medcoder.cdi.specificity import specificity_queries

__all__ = ["specificity_queries"]
