"""What operators use around the APIs: health and readiness, metrics, request ids and the
request log, and the drain before a worker stops. Part of the server process, like `app`
and `logs`: no layer imports it."""
