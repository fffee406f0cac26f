"""sim_backends package."""
