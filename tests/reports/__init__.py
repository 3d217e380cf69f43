"""Reports and analytics: from marks import to the SPEC §7 report, XLSX, PDF and pages."""
