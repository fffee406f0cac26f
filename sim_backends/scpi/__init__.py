"""sim_backends/scpi package."""
