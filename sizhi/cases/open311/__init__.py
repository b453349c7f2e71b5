"""Open311 GeoReport v2 at /open311/v2/: the categories as services, the public cases as
service requests, and intake through ``submit_case`` with an integration key.

Adapters only. Every answer comes in the format of the path's suffix (``.xml`` or ``.json``),
errors included; see docs/api-open311.md for the mapping and the choices made.
"""
