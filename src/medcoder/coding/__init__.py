"""Code assignment: candidates from the knowledge base, the project lexicon and a site model,
guideline rules, and the choice of the most specific billable code."""
