"""The official working-day calendar (holidays, 调休 make-up days) and the time limits, as data."""
