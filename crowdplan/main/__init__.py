"""Home page, language switch, health checks."""
