"""Pulse surveys: short anonymous questionnaires along the ADKAR dimensions, per rollout."""
