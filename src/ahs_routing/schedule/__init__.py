"""Scheduling: clock times for a route (`timing`), where a visit fits (`insertion`), what it costs (`objective`)."""
