"""Travel between places: matrices in whole seconds, and the providers that build them."""
