"""ICD-10-CM: tabular list, Alphabetic Index, External Cause Index, Table of Drugs, Neoplasm Table."""
