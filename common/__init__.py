"""Shared kernel: domain error types, the API error format and pagination.

Imports no context; every context may import it (like `events`).
"""
