"""Spatial seam: dialect-specific SQL (spatial.py), GeoJSON checks (validate.py), maps (maps.py)."""
