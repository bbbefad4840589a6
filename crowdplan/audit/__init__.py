"""Audit records: who did what to which object, when, from which state to which, and why."""
