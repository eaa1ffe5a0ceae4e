"""The learned layer: static sentence embeddings and small linear heads over the rules.

Why: the rules point at words and are right when they fire, but they were written against a
small dev split and miss wording they have never seen. Each head here is a logistic
regression trained (``make train``, ``honeydesk/intelligence/train.py``) on the blind set's
training part plus the dev split. Its input is one row of three blocks:

1. the sentence embedding of the analysis key (look-alike letters folded, zero-width
   characters gone) from a static model distilled once from all-MiniLM-L6-v2
   (``data/embeddings/minilm-static-256``, 256 dimensions, read with ``tokenizers`` and ``safetensors``);
2. the rules' own verdicts and reason kinds (``message_rule_features`` /
   ``draft_rule_features``), so the head learns how far to trust each rule;
3. a bag of the words and word pairs seen at least twice in training.

This stacking is the one way rules and learned scores are combined: the head's softmax
(multinomial logistic regression, fitted by log-loss, so its probabilities are calibrated
on the training distribution; the expected calibration error under cross-validation is in
EVAL.md) is the verdict. Three rules are kept above it, all in ``analyze``: the rules'
abusive verdict stands (it has never fired on a calm message in any split); an insult the
rules read as only passed on from a third party ("my neighbour called your installer an
idiot") keeps the head from calling the message abusive; and the fixed best-channel rule
for seven request types. Every verdict still carries reasons: the rule
reasons when they exist, and otherwise the words whose learned weights pushed most towards
the verdict (``Head.evidence``).

Weights live in ``data/heads.npz`` (plain float arrays, loaded without pickle) beside
``data/heads.json`` (classes, vocabulary, feature layout). Nothing is trained at start-up.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

DATA = Path(__file__).resolve().parent / "data"
MODEL_DIR = DATA / "embeddings" / "minilm-static-256"
HEADS_NPZ = DATA / "heads.npz"
HEADS_JSON = DATA / "heads.json"

# The embedding is unit length (components ~0.06); scaling it lets one regularisation
# strength suit the embedding, the 0/1 rule features and the 0/1 word features alike.
EMBED_SCALE = 4.0
TOKEN_RE = re.compile(r"[a-z0-9']+|[!?]")

# Reason kinds the tone rules can give (tone.py and its abuse readers).
TONE_REASON_KINDS = (
    "insult",
    "threat_of_harm",
    "demeaning",
    "cursing_at_person",
    "shouting",
    "threat_to_leave",
    "regulator_threat",
    "sarcasm",
    "accusation",
    "unhappiness",
    "profanity_at_thing",
    "emphasis",
)


def tokens(key: str) -> list[str]:
    """Words and word pairs of a lower-cased analysis key (the bag-of-words block)."""
    words = TOKEN_RE.findall(key.lower())
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


@cache
def embedder() -> tuple[Any, NDArray[np.float16], int | None]:
    """Tokenizer, token vectors (float16, as stored) and the unknown-token id.

    Read with ``tokenizers`` directly rather than through ``model2vec.StaticModel``: the
    same files and the same vectors (a test compares them), but model2vec's import brings
    huggingface_hub, httpx, joblib and tqdm, and its model keeps a second copy of the table.
    A web worker went from 185 MB to 136 MB resident after ``load_models()`` (measured
    2026-12-06 by reading VmRSS before and after, SQLite settings). The table stays float16
    (15 MB); each message's few rows are widened when averaged, which gives the float32
    table's exact sums. It is mapped from the file, not read: see ``_mapped_table``.
    """
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
    # As model2vec sets it (config.json max_length): a long message is read to 512 tokens.
    tokenizer.no_padding()
    tokenizer.enable_truncation(512)
    table = _mapped_table(MODEL_DIR / "model.safetensors", "embeddings")
    return tokenizer, table, tokenizer.token_to_id("[UNK]")


def _mapped_table(path: Path, name: str) -> NDArray[np.float16]:
    """One float16 tensor of a safetensors file, mapped read-only rather than read.

    ``safetensors.numpy.load_file`` copies the 15 MB table into the private memory of every
    process that reads text (each server worker and job worker). Mapped, the pages are the
    operating system's file cache: shared by all those processes, never written, dropped
    under memory pressure and read back. A process maps only the pages around the tokens it
    has met (the kernel maps 64 KB around each fault, so a few hundred distinct tokens map
    most of the table; VmRSS counts those shared pages, RssAnon does not: 14 MB less of it
    per process, measured 2026-12). The file layout is safetensors' own: an 8-byte
    little-endian header length, a JSON header (dtype, shape, byte offsets after the
    header), then the data."""
    with path.open("rb") as fh:
        (header_size,) = struct.unpack("<Q", fh.read(8))
        info = json.loads(fh.read(header_size))[name]
    shape = tuple(int(n) for n in info["shape"])
    start, end = info["data_offsets"]
    if info["dtype"] != "F16" or end - start != 2 * math.prod(shape):
        raise ValueError(f"{path}: {name} is not a float16 tensor of shape {shape}")
    return np.memmap(path, dtype="<f2", mode="r", offset=8 + header_size + start, shape=shape)


def embed(texts: list[str]) -> NDArray[np.float64]:
    """Mean of the token vectors, unit length, times EMBED_SCALE (model2vec's own pooling,
    summed here in float64 without its batching set-up, which costs more than the sum for
    one short message)."""
    tokenizer, table, unk = embedder()
    out = np.zeros((len(texts), table.shape[1]), dtype=np.float64)
    for i, enc in enumerate(tokenizer.encode_batch_fast(texts, add_special_tokens=False)):
        ids = [t for t in enc.ids[:512] if t != unk]
        if ids:
            v = table[ids].mean(axis=0, dtype=np.float64)
            out[i] = v / (np.linalg.norm(v) + 1e-32)
    return out * EMBED_SCALE


@dataclass(frozen=True, eq=False)
class Head:
    """One logistic-regression head: ``classes`` in the order of the rows of ``coef``."""

    name: str
    classes: tuple[str, ...]
    coef: NDArray[np.float64]  # (n_classes or 1, n_features)
    intercept: NDArray[np.float64]
    vocab: dict[str, int]
    n_dense: int
    ngrams: tuple[str, ...]

    def __post_init__(self) -> None:
        # Contiguous copies: the dense block is a matrix-vector product, the word block a
        # gather of rows (word x class), both far faster than slicing ``coef`` per call.
        object.__setattr__(self, "_wd", np.ascontiguousarray(self.coef[:, : self.n_dense]))
        object.__setattr__(self, "_ws", np.ascontiguousarray(self.coef[:, self.n_dense :].T))

    def _rows(self, toks: list[str] | set[str]) -> list[int]:
        # Heads trained on the same rows share one vocabulary object; a Tokens set remembers
        # the rows it found for each, so five heads pay for one lookup.
        memo = getattr(toks, "memo", None)
        if memo is not None and id(self.vocab) in memo:
            return memo[id(self.vocab)]  # type: ignore[no-any-return]
        vocab = self.vocab
        rows = [vocab[t] for t in toks if t in vocab]
        if memo is not None:
            memo[id(self.vocab)] = rows
        return rows

    def proba(self, dense: NDArray[np.float64], toks: list[str] | set[str]) -> dict[str, float]:
        rows = self._rows(toks if isinstance(toks, set) else Tokens(toks))
        z = self._wd @ dense + self.intercept  # type: ignore[attr-defined]
        if rows:
            z = z + self._ws[rows].sum(axis=0)  # type: ignore[attr-defined]
        if len(self.classes) == 2:
            p = float(1.0 / (1.0 + np.exp(-z[0])))
            return {self.classes[0]: 1.0 - p, self.classes[1]: p}
        e = np.exp(z - z.max())
        e /= e.sum()
        return {c: float(v) for c, v in zip(self.classes, e, strict=True)}

    def evidence(self, toks: list[str] | set[str], label: str, top: int = 3) -> list[str]:
        """The words present whose weights push most towards ``label`` (for the reasons)."""
        rows = sorted(self._rows(set(toks)))
        if not rows:
            return []
        w_rows = self._ws[rows]  # type: ignore[attr-defined]
        if len(self.classes) == 2:
            w = w_rows[:, 0] * (1.0 if label == self.classes[1] else -1.0)
        else:
            k = self.classes.index(label)
            w = w_rows[:, k] - (w_rows.sum(axis=1) - w_rows[:, k]) / (len(self.classes) - 1)
        order = np.argsort(-w, kind="stable")
        return [self.ngrams[rows[i]] for i in order[:top] if w[i] > 0]


_STACKS: dict[tuple[int, ...], tuple[Any, Any, Any, list[tuple[str, tuple[str, ...], int, int]]]] = {}


def probas(
    hs: dict[str, Head], names: tuple[str, ...], dense: NDArray[np.float64], toks: set[str]
) -> dict[str, dict[str, float]]:
    """``Head.proba`` for several heads that share one vocabulary, in one product.

    Same numbers as calling each head (the logits are the same sums); about four times
    faster for the five message heads, which is most of the learned layer's cost.
    """
    key = tuple(id(hs[n]) for n in names)
    stack = _STACKS.get(key)
    if stack is None:
        vocab = hs[names[0]].vocab
        if any(hs[n].vocab is not vocab for n in names):
            return {n: hs[n].proba(dense, toks) for n in names}
        spans, start = [], 0
        for n in names:
            k = hs[n].coef.shape[0]
            spans.append((n, hs[n].classes, start, start + k))
            start += k
        wd = np.vstack([hs[n]._wd for n in names])  # type: ignore[attr-defined]
        ws = np.ascontiguousarray(np.hstack([hs[n]._ws for n in names]))  # type: ignore[attr-defined]
        b = np.concatenate([hs[n].intercept for n in names])
        if len(_STACKS) > 16:
            _STACKS.clear()
        stack = _STACKS[key] = (wd, ws, b, spans)
    wd, ws, b, spans = stack
    rows = hs[names[0]]._rows(toks)
    z = wd @ dense + b
    if rows:
        z = z + ws[rows].sum(axis=0)
    zl = z.tolist()
    out: dict[str, dict[str, float]] = {}
    for n, classes, lo, hi in spans:
        if len(classes) == 2:
            p = 1.0 / (1.0 + math.exp(-zl[lo]))
            out[n] = {classes[0]: 1.0 - p, classes[1]: p}
        else:
            part = zl[lo:hi]
            top = max(part)
            e = [math.exp(v - top) for v in part]
            total = sum(e)
            out[n] = {c: v / total for c, v in zip(classes, e, strict=True)}
    return out


class Tokens(set[str]):
    """The distinct words and word pairs of one text, with a memo of vocabulary rows."""

    def __init__(self, toks: list[str]) -> None:
        super().__init__(toks)
        self.memo: dict[int, list[int]] = {}


@cache
def heads() -> dict[str, Head]:
    meta = json.loads(HEADS_JSON.read_text(encoding="utf-8"))
    arrays = np.load(HEADS_NPZ, allow_pickle=False)
    out: dict[str, Head] = {}
    shared: dict[tuple[str, ...], dict[str, int]] = {}
    for name, info in meta["heads"].items():
        ngrams = tuple(meta["vocabs"][info["vocab"]])
        out[name] = Head(
            name=name,
            classes=tuple(info["classes"]),
            coef=np.asarray(arrays[f"{name}.coef"], dtype=np.float64),
            intercept=np.asarray(arrays[f"{name}.intercept"], dtype=np.float64),
            vocab=shared.setdefault(ngrams, {t: i for i, t in enumerate(ngrams)}),
            n_dense=int(info["n_dense"]),
            ngrams=ngrams,
        )
    return out


def load() -> None:
    """Load the embedding model and the heads now (the worker calls this at start)."""
    embedder()
    heads()


# ----------------------------------------------------------------------------- features
def message_rule_features(
    tone_label: str,
    reason_kinds: set[str],
    profanity: float | None,
    category_scores: dict[str, float],
    rule_category: str,
    wants: bool,
    reason: bool | None,
    goal: bool,
) -> list[float]:
    """The rules' verdicts on a message as numbers (the second block of every message head)."""
    from .intake import CATEGORIES
    from .tone import LABELS

    f = [float(tone_label == lab) for lab in LABELS]
    f += [float(k in reason_kinds) for k in TONE_REASON_KINDS]
    f += [profanity or 0.0]
    f += [min(category_scores.get(c, 0.0), 5.0) / 5.0 for c in CATEGORIES]
    f += [float(rule_category == c) for c in CATEGORIES]
    f += [float(wants), float(bool(reason)), float(goal)]
    return f


def draft_rule_features(flags: dict[str, bool], grade: str) -> list[float]:
    from .coach import FLAGS

    f = [float(flags[k]) for k in FLAGS]
    f += [float(grade == g) for g in ("poor", "fair", "good", "excellent")]
    return f


def message_dense(key: str, rule_features: list[float]) -> NDArray[np.float64]:
    return np.concatenate([embed([key])[0], np.asarray(rule_features, dtype=np.float64)])


def draft_dense(draft_key: str, customer_key: str, rule_features: list[float]) -> NDArray[np.float64]:
    e = embed([draft_key, customer_key or " "])
    return np.concatenate([e[0], e[1], np.asarray(rule_features, dtype=np.float64)])


def draft_tokens(draft_key: str) -> list[str]:
    return tokens(draft_key)
