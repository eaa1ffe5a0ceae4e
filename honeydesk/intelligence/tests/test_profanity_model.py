"""The exported weights must score exactly like the pinned alt-profanity-check package."""

import pytest
from profanity_check import predict_prob

from honeydesk.intelligence.profanity import profanity_prob

SAMPLES = [
    "you idiot",
    "this damn modem is broken again",
    "I love your service, thank you",
    "go to hell",
    "shut up and fix it",
    "what a piece of crap",
    "hello, can you help me with my bill?",
    "f*** this company",
    "you are all useless morons",
    "the router keeps dropping every evening",
    "kiss my ass",
    "my account number is 4412-0098",
    "stupid",
    "bloody brilliant work from Aisha",
    "I will take you to small claims court",
    "son of a bitch",
    "the price went up again this month",
    "thanks for nothing",
    "screw you guys",
    "please cancel my account effective June 30",
    "",
]


def test_the_exported_model_scores_like_predict_prob():
    expected = predict_prob(SAMPLES)
    for text, want in zip(SAMPLES, expected, strict=True):
        assert profanity_prob(text) == pytest.approx(float(want), abs=1e-6), text
