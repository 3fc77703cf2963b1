"""The floor beneath everything: errors, settings, logging, processes. Imports nothing of ours."""
