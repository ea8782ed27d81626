"""`python -m services.notifications` — the same as `ukm serve notifications`."""

from services.kit.runner import run_service

if __name__ == "__main__":
    run_service("notifications")
