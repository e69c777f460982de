"""The leadership report: reads every app, and nothing imports it."""
