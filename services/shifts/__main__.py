"""`python -m services.shifts` — the same as `ukm serve shifts`."""

from services.kit.runner import run_service

if __name__ == "__main__":
    run_service("shifts")
