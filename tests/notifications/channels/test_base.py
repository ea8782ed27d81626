"""The message and button types refuse what no provider would take."""

from __future__ import annotations

import pytest

from services.notifications.channels import MAX_CALLBACK_DATA_BYTES, Button, OutboundMessage


def test_callback_data_is_limited_in_bytes_not_characters() -> None:
    Button("Принять", "a" * MAX_CALLBACK_DATA_BYTES)
    with pytest.raises(ValueError, match="bytes"):
        Button("Принять", "я" * 33)  # 33 characters, 66 bytes


def test_buttons_need_a_label_and_data() -> None:
    with pytest.raises(ValueError, match="label"):
        Button(" ", "accept:1")
    with pytest.raises(ValueError, match="bytes"):
        Button("Accept", "")


def test_a_message_needs_an_address_a_key_and_no_empty_button_rows() -> None:
    with pytest.raises(ValueError, match="address"):
        OutboundMessage(address="", text="hi", idempotency_key="k")
    with pytest.raises(ValueError, match="idempotency"):
        OutboundMessage(address="1", text="hi", idempotency_key="")
    with pytest.raises(ValueError, match="row"):
        OutboundMessage(address="1", text="hi", idempotency_key="k", buttons=((),))
