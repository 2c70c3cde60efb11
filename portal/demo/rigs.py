"""The demo's rigs: several per platform, a subject always on the same one (no RNG, so the
seeded stream of portal.demo.bulk is unchanged)."""

from __future__ import annotations

RIGS: dict[str, tuple[str, ...]] = {
    "ecephys": ("323_EPHYS1", "323_EPHYS2", "327_NP3"),
    "behavior": ("447_FRG_B", "447_FRG_C", "447_FRG_D", "446_FRG_A"),
    "multiplane-ophys": ("MESO.1", "MESO.2"),
    "single-plane-ophys": ("BCI.2", "BCI.3"),
    "SmartSPIM": ("SmartSPIM-id-3", "SmartSPIM-id-4"),
    "FIP": ("428_FIP_2", "428_FIP_3", "429_FIP_1"),
    "slap2": ("SLAP2-1",),
}


def rig(platform: str, default: str, sid: str) -> str:
    """The rig of a subject's sessions on `platform` (its `default` instrument when it has no list)."""
    rigs = RIGS.get(platform) or (default,)
    digits = int("".join(c for c in sid if c.isdigit()) or 0)
    return rigs[digits * 2654435761 % 2**32 % len(rigs)]
