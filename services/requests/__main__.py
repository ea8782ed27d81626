"""`python -m services.requests` — the same as `ukm serve requests`."""

from services.kit.runner import run_service

if __name__ == "__main__":
    run_service("requests")
