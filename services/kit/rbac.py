"""Who may call what: the permission matrix (`permissions.yaml`) and its enforcement.

The matrix names every RPC of every service, so a new RPC without a rule is refused (and fails
the RBAC test). A rule is one of:

- `public` — anyone, signed in or not (login, registration, JWKS…);
- `signed_in` — any person with a valid access token, pending accounts included (onboarding);
  resource rules (only my own profile…) are the service's business;
- a mapping with any of
  - `roles: [manager, …]` — an approved person holding one of these roles (`any`: any role);
    `admin` holds every right of `manager`;
  - `pending: true` — the roles above suffice even while the account is pending;
  - `services: [auth, …]` — these workloads (by their mTLS identity), with or without a person.

Roles are checked against every role the person holds, not only the active one: the active role
chooses the bot's menu, not the person's rights.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from services.kit.context import Caller
from services.kit.errors import PermissionDenied, Unauthenticated

MATRIX_FILE = Path(__file__).with_name("permissions.yaml")
ROLES = ("applicant", "executor", "manager", "inspector", "admin")
# Rights that a role carries beyond its own name.
_IMPLIED = {"admin": frozenset({"admin", "manager"})}


@dataclass(frozen=True)
class Rule:
    """What one RPC requires of its caller."""

    public: bool = False
    signed_in: bool = False
    roles: frozenset[str] = frozenset()
    any_role: bool = False
    pending: bool = False
    services: frozenset[str] = frozenset()

    def allows(self, caller: Caller, trust_domain: str) -> bool:
        """Whether `caller` may make the call (the caller's token already verified)."""
        if self.public:
            return True
        if self.services and caller.workload in _workload_ids(self.services, trust_domain):
            return True
        if not caller.is_user:
            return False
        if self.signed_in:
            return True
        if caller.status != "approved" and not self.pending:
            return False
        if self.any_role:
            return bool(caller.roles)
        return any(self.roles & _IMPLIED.get(role, frozenset({role})) for role in caller.roles)


@cache
def _workload_ids(names: frozenset[str], trust_domain: str) -> frozenset[str]:
    return frozenset(f"spiffe://{trust_domain}/svc/{name}" for name in names)


class AccessPolicy:
    """The matrix for a set of methods, by full gRPC path (`/pkg.Service/Method`)."""

    def __init__(self, rules: Mapping[str, Rule], trust_domain: str = "ukm.local") -> None:
        self.rules = dict(rules)
        self.trust_domain = trust_domain

    @classmethod
    def load(cls, path: Path = MATRIX_FILE, trust_domain: str = "ukm.local") -> AccessPolicy:
        """The matrix from its YAML file (see the module docstring for the rule forms)."""
        document = yaml.safe_load(path.read_text())
        rules: dict[str, Rule] = {}
        for service, methods in document["services"].items():
            for method, spec in methods.items():
                rules[f"/{service}/{method}"] = parse_rule(spec, where=f"{service}.{method}")
        return cls(rules, trust_domain)

    def rule(self, method: str) -> Rule | None:
        """The rule of a method, or None when the matrix does not name it."""
        return self.rules.get(method)

    def check(self, method: str, caller: Caller, token_error: Unauthenticated | None) -> None:
        """Raise unless `caller` may call `method`.

        `token_error` is why a presented token was refused: it matters only for methods that
        are not public (a client that sends a stale token to `Refresh` must still get through).
        """
        rule = self.rules.get(method)
        if rule is None:
            raise PermissionDenied(
                "NO_PERMISSION_RULE", f"{method} has no permission rule; nobody may call it"
            )
        if rule.public:
            return
        if token_error is not None:
            raise token_error
        if rule.allows(caller, self.trust_domain):
            return
        if not caller.is_user and not (rule.services and caller.workload):
            raise Unauthenticated(
                "sign in first: this call needs a valid access token", reason="TOKEN_REQUIRED"
            )
        raise PermissionDenied("ROLE_NOT_ALLOWED", _refusal(rule, caller))


def parse_rule(spec: Any, *, where: str) -> Rule:
    """One rule from its YAML form; `ValueError` naming `where` when it is malformed."""
    if spec == "public":
        return Rule(public=True)
    if spec == "signed_in":
        return Rule(signed_in=True)
    if not isinstance(spec, Mapping) or not spec or set(spec) - {"roles", "pending", "services"}:
        raise ValueError(f"permissions: bad rule for {where}: {spec!r}")
    roles = spec.get("roles", [])
    any_role = roles == "any"
    role_set = frozenset() if any_role else frozenset(_names(roles, where))
    if unknown := role_set - set(ROLES):
        raise ValueError(f"permissions: {where} names unknown roles {sorted(unknown)}")
    return Rule(
        roles=role_set,
        any_role=any_role,
        pending=bool(spec.get("pending", False)),
        services=frozenset(_names(spec.get("services", []), where)),
    )


def _names(value: Any, where: str) -> Iterable[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"permissions: {where} expects a list of names, got {value!r}")
    return value


def _refusal(rule: Rule, caller: Caller) -> str:
    if caller.is_user and caller.status != "approved" and not rule.pending:
        return "your account is not approved yet; a manager has to approve it first"
    if rule.roles:
        return f"this needs one of the roles: {', '.join(sorted(rule.roles))}"
    return "you may not call this method"
