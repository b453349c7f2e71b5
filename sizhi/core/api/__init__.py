"""What every JSON API of the site shares: one error shape, request body checks, opaque keyset
cursors and the OpenAPI additions. The endpoints live in each app's ``api`` module; the API
object that mounts them is assembled in ``sizhi.config.api``."""
