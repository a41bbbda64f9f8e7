"""The 311 domain: the service catalog and staffing, and the request table.

:mod:`geo311.service.catalog` reads the catalog and the staffing table and holds
the date-bound and overdue (SLA) rules; :mod:`geo311.service.requests` loads
requests from any export through one :class:`~geo311.service.requests.RequestFilter`
and locates them once. :mod:`geo311.service.records` holds the request records of the
service and :mod:`geo311.service.store` the durable request store (SQLite or PostGIS).
"""
