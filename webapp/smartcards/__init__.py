"""Smartcards (manual 002, issue 15): cards the portal itself issues and manages.

Being built: so far the portal's issuing CA (ca.py), the cards' state table (states.py) and the credential
cards read on the UZI profile (credentials.py). The module declares itself here, and joins webapp.MODULES,
once it has pages.
"""
