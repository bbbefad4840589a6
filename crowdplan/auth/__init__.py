"""Accounts, roles and the one permission check."""
