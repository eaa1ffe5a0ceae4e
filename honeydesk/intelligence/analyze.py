"""One call per message or draft, returning plain JSON-serialisable dicts.

This is the façade the Django app, the API and ``manage.py analyze`` use, so every consumer
sees the same predictions and the same field names.
"""

from __future__ import annotations

from .coach import coach_reply
from .intake import channel_advice, extract_facts, goal_stated, predict_category, supervisor_request
from .normalize import analysis_text, is_obfuscated
from .tone import analyze_tone


def analyze_message(text: str) -> dict:
    """Tone, request type, facts, goal, supervisor request and channel advice."""
    text = text or ""
    # Fold homoglyphs and zero-width characters once; every reader shares the result.
    at = analysis_text(text)
    tone = analyze_tone(at)
    category = predict_category(at)
    wants, reason = supervisor_request(at)
    channel, why = channel_advice(category, at, tone.label, wants)
    harm = any(r.kind == "threat_of_harm" for r in tone.reasons)
    return {
        "tone": tone.label,
        "tone_confidence": round(tone.confidence, 3),
        "tone_reasons": [r.as_dict() for r in tone.reasons],
        "profanity": None if tone.profanity is None else round(tone.profanity, 3),
        "category": category,
        "facts": extract_facts(at),
        "goal_stated": goal_stated(at, harm),
        "wants_supervisor": wants,
        "supervisor_reason_given": reason,
        "best_channel": channel,
        "channel_reason": why,
        "obfuscated": is_obfuscated(text),
    }


def analyze_draft(draft: str, customer_message: str = "", customer_name: str | None = None) -> dict:
    """The ten coach flags (value, triggering phrase, suggestion) and the overall grade."""
    return coach_reply(draft or "", customer_message or "", customer_name).as_dict()
