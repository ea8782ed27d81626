"""The users service: people (profiles, roles, invites), their verification, and the address
directory (yards, buildings, apartments, bindings). One process, three gRPC services."""
