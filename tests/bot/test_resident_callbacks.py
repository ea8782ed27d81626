"""The resident's buttons (prefix `r` plus a letter; `r` alone is RolePick's): within
Telegram's 64 bytes at their largest, and refusing what they do not know."""

from __future__ import annotations

import pytest

from bot import callbacks as cb


def test_the_resident_buttons_fit_telegrams_64_bytes() -> None:
    biggest = "991231-999999"
    samples = [
        *(cb.MineList(view=v) for v in cb.MineView),
        cb.MineCard(number=biggest),
        *(cb.MineDo(act=a, number=biggest) for a in cb.MineAct),
        *(cb.ProfileOpen(item=k) for k in cb.ProfileKey),
        cb.QuietPick(on=True),
        *(cb.UploadDocType(type=d) for d in cb.DocTypeKey),
        *(cb.UploadThen(then=n) for n in cb.UploadNext),
    ]
    for sample in samples:
        packed = sample.pack()
        assert len(packed.encode()) <= 64
        assert packed.startswith("r") and not packed.startswith("r:")
        assert type(sample).unpack(packed) == sample


@pytest.mark.parametrize(
    ("factory", "data"),
    [
        (cb.MineCard, "rc:25112-007"),
        (cb.MineCard, "rc:251125-007;drop"),
        (cb.MineCard, "rc:251125-0000007"),
        (cb.MineDo, "rd:z:251125-007"),
        (cb.MineDo, "rd:x"),
        (cb.MineList, "rl:everything"),
        (cb.ProfileOpen, "rp:roles"),
        (cb.QuietPick, "rq:maybe"),
        (cb.UploadDocType, "ru:selfie"),
        (cb.UploadThen, "rn:again"),
        (cb.RolePick, "rc:251125-007"),
    ],
)
def test_forged_resident_data_does_not_parse(factory: type[cb.CallbackData], data: str) -> None:
    with pytest.raises((ValueError, TypeError)):
        factory.unpack(data)
