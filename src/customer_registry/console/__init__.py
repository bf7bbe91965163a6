"""The operator console at `/console`: server-rendered pages over the same core as the APIs."""
