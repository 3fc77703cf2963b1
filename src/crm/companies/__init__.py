"""Companies: the organisations contacts work for."""
