"""Generative inference through the optical bench: the main job's building blocks."""
