"""Domain services and records: the neutral model every dialect serves, with no wire format."""
