"""Geotagged suggestions: pins, text, photos, moderation, privacy."""
