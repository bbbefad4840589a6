"""Open311 GeoReport v2: topics as services, public suggestions as service requests."""
