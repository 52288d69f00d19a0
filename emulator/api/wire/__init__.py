"""Wire models shared by the control plane and the dialects: what goes over HTTP, and nothing else."""
