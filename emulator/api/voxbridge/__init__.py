"""The VoxBridge dialect (voxbridge.cc): its wire models, errors, statuses, webhooks,
agents, quota, recordings and contract. Pure modules; routes come with the wiring."""
