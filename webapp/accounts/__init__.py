"""Accounts: activation, login, logout, password reset, my data, choosing an organisation."""
