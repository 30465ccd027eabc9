"""Rules that judge a plan: the independent plan checker and patient eligibility."""
