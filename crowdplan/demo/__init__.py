"""Demo data for Xianning, Hubei (data files, loaded by `flask seed-demo`)."""
