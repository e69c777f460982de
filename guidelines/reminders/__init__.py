"""The reminder rules of the guidelines app (open acknowledgments, training invitations),
registered with the notification outbox from GuidelinesConfig.ready()."""
