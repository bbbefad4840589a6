"""Participation statistics: view counting, public figures, reports."""
