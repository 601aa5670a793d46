"""Micro-measurements: one code path driven in process against a scratch database."""
