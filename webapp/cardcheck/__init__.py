"""A staff page that tests the card agent: sign in with a smartcard, verified by the server."""
