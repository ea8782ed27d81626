"""The notifications service's delivery providers (Telegram Bot API, an SMTP relay, the Eskiz SMS
gateway): which settings its ConfigMap carries, which Secret keys it may read, and the ports it
needs outside the cluster.

Every provider is optional: a channel without credentials is simply not configured
(services/notifications/channels/settings.py). So the credentials are *optional* keys of the
service's Secret (`secretKeyRef.optional`): a missing key leaves the variable unset, which is
what "not configured" means to the settings. An empty value would not do: `UKM_SMTP_USERNAME=`
is a username (the empty string) without a password, which the settings refuse at start, and
an empty token counts as a token. That is also why the account names (`UKM_SMTP_USERNAME`,
`UKM_SMS_LOGIN`) sit in the Secret beside their password and key rather than in the ConfigMap:
each pair is set, or left out, in one place.
"""

from __future__ import annotations

from collections.abc import Mapping

from mesh.kubernetes.common import Json, secret_env, service_secret, service_settings
from mesh.topology import Service, Topology

PROVIDER_SERVICE = "notifications"

# Secret key → variable; all optional.
PROVIDER_SECRET_ENV = {
    "UKM_TELEGRAM_BOT_TOKEN": "telegram-bot-token",
    "UKM_SMTP_USERNAME": "smtp-username",
    "UKM_SMTP_PASSWORD": "smtp-password",
    "UKM_SMS_LOGIN": "sms-login",
    "UKM_SMS_API_KEY": "sms-api-key",
}
# ConfigMap settings (their defaults from ChannelSettings, so the two never drift apart). An
# empty `UKM_SMTP_HOST` means no e-mail.
PROVIDER_SETTINGS = (
    "UKM_TELEGRAM_API_BASE",
    "UKM_SMTP_HOST",
    "UKM_SMTP_PORT",
    "UKM_SMTP_FROM",
    "UKM_SMS_BASE_URL",
    "UKM_SMS_SENDER",
)
# Telegram's Bot API and the SMS gateway speak HTTPS; the relay takes mail on submission (587).
HTTPS_PORT = 443
SMTP_SUBMISSION_PORT = 587
PROVIDER_PORTS = (HTTPS_PORT, SMTP_SUBMISSION_PORT)


def provider_settings() -> dict[str, str]:
    """The provider variables of the service's ConfigMap, at ChannelSettings' defaults."""
    from services.notifications.channels.settings import ChannelSettings

    fields = ChannelSettings.model_fields
    env = {}
    for variable in PROVIDER_SETTINGS:
        default = fields[variable.removeprefix("UKM_").lower()].default
        env[variable] = "" if default is None else str(default)
    check_provider_settings(env)
    return env


def check_provider_settings(env: Mapping[str, str]) -> None:
    """Refuse a ConfigMap the service would not start with (unknown names, bad values)."""
    from services.notifications.channels.settings import ChannelSettings

    fields = {}
    for key, value in env.items():
        field = key.removeprefix("UKM_").lower()
        if not key.startswith("UKM_") or field not in ChannelSettings.model_fields:
            raise ValueError(f"{key} is not a channel setting (notifications/channels/settings)")
        fields[field] = value
    ChannelSettings.model_validate(fields)


def provider_env(service: str) -> list[Json]:
    """The optional Secret-backed variables of the service's container."""
    return [
        secret_env(variable, service_secret(service), key, optional=True)
        for variable, key in PROVIDER_SECRET_ENV.items()
    ]


def config_map_settings(topology: Topology, service: Service) -> dict[str, str]:
    """Everything in a service's ConfigMap: its `UKM_*` settings, plus the providers' for the
    service that delivers through them."""
    env = service_settings(topology, service)
    if service.name == PROVIDER_SERVICE:
        env |= provider_settings()
    return env


def secret_env_of(service: Service) -> list[Json]:
    """The extra Secret-backed variables of a service's main container (only optional ones)."""
    return provider_env(service.name) if service.name == PROVIDER_SERVICE else []
