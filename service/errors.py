"""The service's errors, each knowing its HTTP status; one exception handler maps them (see api/app.py)."""


class ServiceError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param  # the request field at fault, when there is one (OpenAI's `param`)


class InvalidRequest(ServiceError):
    """The request is well-formed JSON but asks for something that cannot be (unknown province, bad range)."""

    status = 422
    code = "invalid_request"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    """The caller is known but may not do this (e.g. a reader key changing documents)."""

    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    """The request cannot be done in the state things are in (the message says what to do first)."""

    status = 409
    code = "conflict"


class TooLarge(ServiceError):
    status = 413
    code = "too_large"


class UnsupportedType(ServiceError):
    status = 415
    code = "unsupported_type"


class ModelNotFound(ServiceError):
    """Chat asked for a model this service does not have (OpenAI answers 404 `model_not_found`)."""

    status = 404
    code = "model_not_found"


class IndexNotReady(ServiceError):
    """No index has been published yet, or the published one cannot be served."""

    status = 503
    code = "index_not_ready"


class BadRequest(ServiceError):
    """The request cannot be read: a body that is not UTF-8 or not JSON, a malformed header."""

    status = 400
    code = "invalid_body"


class Unauthorized(ServiceError):
    """No valid credentials; `challenge` is sent as WWW-Authenticate (RFC 9110 asks for it on every 401)."""

    status = 401
    code = "unauthorized"

    def __init__(self, message: str, challenge: str = 'Bearer realm="hoidap"') -> None:
        super().__init__(message)
        self.challenge = challenge


def error_type(status: int) -> str:
    """The OpenAI-style `type` of an error body (the openai client and chat front-ends read it)."""
    if status == 401:
        return "authentication_error"
    if status == 429:
        return "rate_limit_error"
    return "server_error" if status >= 500 else "invalid_request_error"


def error_body(status: int, code: str, message: str, param: str | None = None) -> dict[str, object]:
    """The one error shape of every route: {"error": {"code", "message", "type", "param"}}."""
    return {"error": {"code": code, "message": message, "type": error_type(status), "param": param}}
