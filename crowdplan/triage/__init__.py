"""Planner triage: the department inbox, the workflow of a suggestion, replies and decisions."""
