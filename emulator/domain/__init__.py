"""Domain services and records: the CallingBox model, with no wire format."""
