"""The service's errors, each knowing its HTTP status; one exception handler maps them (see api/app.py)."""


class ServiceError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(ServiceError):
    """The request is well-formed JSON but asks for something that cannot be (unknown province, bad range)."""

    status = 422
    code = "invalid_request"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class IndexNotReady(ServiceError):
    """No index has been published yet, or the published one cannot be served."""

    status = 503
    code = "index_not_ready"
