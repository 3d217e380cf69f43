"""Tabular imports (SPEC §2): read a CSV/XLSX, validate every row, write all or nothing."""
