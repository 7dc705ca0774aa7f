"""HTTP layer: one blueprint per audience. Handlers authenticate, parse, call one domain function."""
