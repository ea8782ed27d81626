"""`python -m mesh.kubernetes`: render (default), check, dev-secrets."""

from __future__ import annotations

import argparse
import sys

import mesh.kubernetes
from mesh.kubernetes.files import differences, write, write_dev_secrets


def main(argv: list[str] | None = None) -> int:
    """`python -m mesh.kubernetes [render|check|dev-secrets]`."""
    parser = argparse.ArgumentParser(
        prog="python -m mesh.kubernetes",
        description=mesh.kubernetes.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("render", help="write k8s/ from the topology (the default)")
    commands.add_parser("check", help="exit 1 if k8s/ differs from a fresh render")
    commands.add_parser("dev-secrets", help="write the dev overlay's git-ignored Secret files")
    args = parser.parse_args(argv)
    if args.command == "check":
        problems = differences()
        for problem in problems:
            print(problem)
        if problems:
            print("run `python -m mesh.kubernetes` to re-render k8s/", file=sys.stderr)
        return 1 if problems else 0
    if args.command == "dev-secrets":
        try:
            folder = write_dev_secrets()
        except ValueError as error:  # a developer's file that would make a wrong Secret
            print(f"dev-secrets: {error}", file=sys.stderr)
            return 1
        print(f"dev secrets in {folder}")
        return 0
    changed = write()
    print("\n".join(f"wrote k8s/{path}" for path in changed) or "k8s/ is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
