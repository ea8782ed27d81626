"""The auth service (`ukm.auth.v1`): credentials, sessions, access tokens, MFA and lockout."""
