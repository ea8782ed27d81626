"""`ukm`, the command line of the platform: gen, serve, migrate, up, status, seed."""
