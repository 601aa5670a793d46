"""Approval chain definitions shipped with the service, loaded as version 1 of their key."""
