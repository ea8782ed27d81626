"""`python -m ukmctl` is the `ukm` command."""

from ukmctl.cli import main

if __name__ == "__main__":
    main()
