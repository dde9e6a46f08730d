"""Smartcards (manual 002, issue 15): cards the portal itself issues and manages.

Being built: so far the portal's issuing CA (ca.py) and the cards' state table (states.py). The module
declares itself here, and joins webapp.MODULES, once it has pages.
"""
