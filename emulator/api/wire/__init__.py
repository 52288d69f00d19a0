"""Wire models of the CallingBox dialect: what goes over HTTP, and nothing else."""
