"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) at ``/open311/v2/``.

Services are the public 小类 of the event catalogue; a service request is an event (its
``service_request_id`` is the ticket number). Requests are created through
``services.event_report`` on the ``open311`` channel with the caller's ``api_key``
(``ApiClient``). Responses carry no personal data: never the reporter's name, phone or e-mail.
"""
