"""The domain model: problems (visits, staff, shifts, windows) and plans (routes, stops), immutable."""
