"""Historical days: replay what was driven and compare it with the library's plan."""
