"""Run the encoder: tokenise, look up the int8 word rows, then the int8 ONNX graph on one CPU thread.

One thread, because the server answers many visitors at once on a 2-core machine: a second thread per
message would only take it from another visitor (bench/README.md).
"""

from __future__ import annotations

from typing import List, Sequence

import numpy as np

from understanding.encoder.graph import WordTable

MAX_TOKENS = 128  # a longer paste keeps its opening and, mostly, its end, where the question usually is
HEAD_TOKENS = 32


class SentenceEncoder:
    def __init__(self, graph: bytes, tokenizer_json: str, words: WordTable, max_tokens: int = MAX_TOKENS) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3  # warnings about unused initialisers are noise here
        options.enable_cpu_mem_arena = False  # 5 MB less per process, no slower for one message at a time
        self.session = onnxruntime.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.max_tokens = max_tokens
        self.words = words

    def token_ids(self, text: str) -> List[int]:
        ids = self.tokenizer.encode(text or "").ids  # [CLS] ... [SEP]
        if len(ids) > self.max_tokens:
            tail = self.max_tokens - HEAD_TOKENS
            ids = ids[:HEAD_TOKENS] + ids[-tail:]
        return ids

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one row per text, each encoded on its own: the int8 graph quantises its activations
        per call, so a text padded into a batch comes out slightly different (cosine 0.95-0.99) from the same
        text alone, and training must see exactly what serving computes."""
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self.encode_one(text)
        return out

    def encode_one(self, text: str) -> np.ndarray:
        ids = np.asarray([self.token_ids(text)], dtype=np.int64)
        return self._run(ids, np.ones(ids.shape, np.float32))[0]

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self.session.run(None, {"word_vectors": self.words.lookup(ids), "attention_mask": mask})[0]
