"""Routing suggestions to the responsible department (分办) under time limits (限时办结)."""
