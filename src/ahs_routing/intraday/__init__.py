"""During the day: re-planning after events and suggesting where a new visit fits."""
