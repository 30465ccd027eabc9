"""Route timing: from an order of visits to clock times with travel and breaks."""
