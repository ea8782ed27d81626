"""`python -m services.auth` — the same as `ukm serve auth`."""

from services.kit.runner import run_service

if __name__ == "__main__":
    run_service("auth")
