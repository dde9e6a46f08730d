"""Domain errors that services raise and views turn into messages or status codes."""


class DomainError(Exception):
    """A rule of the domain was broken; the message is Dutch and meant for the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(Exception):
    """The object does not exist, or is not the actor's to see (never say which): the views answer 404."""
