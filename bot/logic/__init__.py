"""Pure rules of the conversation (no I/O): parsing and checking what people type."""
