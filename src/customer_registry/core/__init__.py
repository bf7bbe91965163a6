"""The registry's domain: rules and operations, no HTTP. Every API calls these functions."""
