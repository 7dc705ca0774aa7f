"""The local sandbox: embedded AWS (moto), channel API sandbox, scheduler. Not deployed."""
