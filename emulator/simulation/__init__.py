"""Call simulation: the lifecycle table, scenarios, generated results, the engine."""
