"""ICD-10-PCS: tables, index and definitions."""
