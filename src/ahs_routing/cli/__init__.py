"""The ahs-routing command line."""
