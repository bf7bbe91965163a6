"""The billing API (`/api/v1`, plus `/api/login` and `/api/version`): BlueRockTEL's customer
API, answered as the Laravel application it is."""
