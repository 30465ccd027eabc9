"""Solving a day: eligibility, diagnosis, the OR-Tools search, repair and plan assembly."""
