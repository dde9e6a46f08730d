"""The start page and the developer's mail outbox."""
