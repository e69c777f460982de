"""Shared plumbing that every app may use and that knows no domain: signing of emailed links,
access decorators, htmx helpers, the page cache, sessions, health, the demo mailbox."""
