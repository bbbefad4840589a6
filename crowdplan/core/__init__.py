"""Core reference data every feature uses: departments, jurisdiction areas, topics."""
