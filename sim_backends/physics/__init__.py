"""sim_backends/physics package."""
