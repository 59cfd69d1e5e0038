"""Intent ids: the stable contract between the router, the content and the evaluation files.

The meaning of each id is in docs/EDITING.md. These are identifiers, not texts; the texts live
in content/.
"""

from __future__ import annotations

INTENTS: tuple[str, ...] = (
    "help",
    "cramp_now",
    "flow_bed",
    "flow_swim",
    "causes",
    "cause_fatigue",
    "cause_cold",
    "cause_calcium",
    "cause_vascular",
    "cause_sweating",
    "cause_compression",
    "relief",
    "relief_toe_stretch",
    "relief_arm_raise",
    "relief_lip_press",
    "relief_knee_press",
    "relief_ankle_rotation",
    "prevention",
    "reminders",
    "medicines",
    "pregnancy",
    "supplements",
    "smalltalk",
    "other_cramp",
    "safety",
    "fallback",
)
FALLBACK = "fallback"
SAFETY = "safety"
SMALLTALK = "smalltalk"
# A cramp happening now, place not said: a place word in the message picks the flow instead.
CRAMP_NOW = "cramp_now"
ROUTABLE_INTENTS = frozenset(INTENTS) - {FALLBACK}
REMINDERS = "reminders"
# The intents that stand for a guided flow, and the flow each opens (flows.toml's ids). The
# one table: the topic buttons, the intent actions and the deep links all read it.
FLOW_OF_INTENT: dict[str, str] = {CRAMP_NOW: "now", "flow_bed": "bed", "flow_swim": "swim"}
