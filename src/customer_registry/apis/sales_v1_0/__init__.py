"""The sales API (`/api/v1.0`): full customer records and their catalogues, as the original."""
