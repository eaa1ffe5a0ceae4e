"""Rep protection: every inbound message is read for tone before it is stored.

The analysis rides on the timeline entry (entry.data["analysis"]) so the record shows what
was flagged and why. Abusive messages are masked in the workspace until the rep reveals
them; what happens on the record when one arrives (attention, supervisors told, repeated
abuse escalated) is `honeydesk.cases.timeline.protect_rep`. This module reads text and
holds the words reps are offered (boundary reply, de-escalation hints); it writes nothing.
"""

from __future__ import annotations

from typing import Any

from honeydesk.cases.models import TimelineEntry, Tone

BOUNDARY_REPLY = (
    "I want to help you get this resolved, and I will keep working on it. I'm not able to continue "
    "if the conversation includes personal insults or threats. Let's focus on the problem: {problem}. "
    "Here is what I will do next: "
)

DEESCALATION_HINTS = {
    Tone.FRUSTRATED: [
        "Name the specific problem back to them so they know you read it.",
        "Acknowledge the inconvenience before explaining anything.",
        "Give one concrete next step and when it will happen.",
    ],
    Tone.ANGRY: [
        "Let them finish; don't argue with the facts first — acknowledge the feeling "
        '("I understand why you\'re angry").',
        'Own it in the first person: "I will…", not "the system…" or policy.',
        "Offer a concrete step with a time, or a supervisor if they asked for one.",
    ],
    Tone.ABUSIVE: [
        "You don't have to accept insults. Use the boundary reply and keep to the problem.",
        "A supervisor has been told about this message.",
    ],
}


def load_models() -> None:
    """Load the text models now (about a second) instead of on the first message; for
    benchmarks that time messages, not start-up. Nothing calls it at start: see `analyze`."""
    analyze("Loading.")


def analyze(text: str) -> dict[str, Any]:
    """The stored analysis of one inbound message (tone, reasons, intake facts).

    The analyser is imported here, on the first message a process reads, not when the
    cases app loads: with it come the rules, numpy, tokenizers and the embedding table,
    about 40 MB that a server worker or job worker holds only once it reads a customer's
    text (measured with VmRSS, 2026-12). They stay loaded after."""
    from honeydesk.intelligence.analyze import analyze_message

    result = analyze_message(text)
    return {
        "tone": result["tone"],
        "confidence": result["tone_confidence"],
        "reasons": result["tone_reasons"],
        "category": result["category"],
        "facts": result["facts"],
        "goal_stated": result["goal_stated"],
        "wants_supervisor": result["wants_supervisor"],
        "supervisor_reason_given": result["supervisor_reason_given"],
        "best_channel": result["best_channel"],
        "channel_reason": result["channel_reason"],
    }


def tone_of(entry: TimelineEntry) -> str:
    analysis = entry.data.get("analysis") if isinstance(entry.data, dict) else None
    return analysis.get("tone", Tone.CALM) if isinstance(analysis, dict) else Tone.CALM
