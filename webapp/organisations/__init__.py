"""Organisations, their contact persons (memberships) and mandates."""
