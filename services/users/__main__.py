"""`python -m services.users` — the same as `ukm serve users`."""

from services.kit.runner import run_service

if __name__ == "__main__":
    run_service("users")
