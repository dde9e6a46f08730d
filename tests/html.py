"""Helpers for comparing pages as a user would see them."""

import re


def without_csrf(page: str) -> str:
    """The page without its CSRF tokens, which are signed with the second they are made in: two pages served a second
    apart differ there and nowhere a user or an attacker could notice."""
    return re.sub(r'(csrf_token"[^>]*? value="|"X-CSRFToken": ")[^"]+', r"\1", page)
