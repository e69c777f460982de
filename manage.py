#!/usr/bin/env python
"""Django's command line in the checkout; an installed ChangeHub has `changehub` instead."""

from changehub.__main__ import main

if __name__ == "__main__":
    main()
