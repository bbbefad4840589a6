"""The public JSON API under /api/v1: keys, auth, the OpenAPI document and the routes."""
