"""Credentials: password hashing, tokens (issue, check, revoke) and logins."""
