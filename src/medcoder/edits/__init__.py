"""Claim edits: a registry of versioned rules run over a claim (DESIGN.md §2, §7)."""
