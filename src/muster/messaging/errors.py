"""Errors of messages, endpoints, contact methods and inbound replies."""

from muster.core.errors import MusterError, NotFound, Unauthenticated


class MessageNotFound(NotFound):
    pass


class EndpointNotFound(NotFound):
    pass


class ContactMethodNotFound(NotFound):
    pass


class SignatureInvalid(Unauthenticated):
    """An inbound post whose signature, timestamp or endpoint does not check out."""


class SendFailed(MusterError):  # noqa: N818 - reads as the condition it names
    """A channel could not hand a delivery over; the job retries it later."""
