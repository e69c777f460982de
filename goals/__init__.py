"""Goals with targets, key figures over time, verdicts and the leadership start page."""
