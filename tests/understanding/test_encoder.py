"""The sentence encoder: the pinned files are all-MiniLM-L6-v2, the shipped graph gives its published
similarities, long pastes are cut to a bounded length, and the light pipeline leaves out only the encoder."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import yaml

from scripts.light_config import ENCODER, light
from understanding.encoder import identity
from understanding.encoder.runtime import HEAD_TOKENS
from understanding.encoder_featurizer import SentenceEncoderFeaturizer
from understanding.intent_classifier import FastLogisticRegressionClassifier

from .test_intent_classifier import _featurized, _pipeline


def _featurizer(agent) -> SentenceEncoderFeaturizer:
    return next(c for c in _pipeline(agent) if isinstance(c, SentenceEncoderFeaturizer))


def test_the_pinned_files_are_the_published_model():
    assert identity.check_files().name == "model"


def test_a_changed_file_is_refused(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(identity.model_dir(), folder, ignore=shutil.ignore_patterns("model.safetensors"))
    (folder / "model.safetensors").write_bytes(b"not the weights")
    with pytest.raises(identity.NotTheModel, match="model.safetensors"):
        identity.check_files(folder)


def test_the_shipped_graph_gives_the_published_similarities(agent):
    encoder = _featurizer(agent).encoder
    errors = identity.similarity_errors(encoder.encode)
    assert max(errors) <= identity.INT8_TOLERANCE
    assert np.mean(errors) < 0.03  # an unrelated model would miss by tenths on most pairs


def test_a_model_that_is_not_minilm_fails_the_output_check():
    rng = np.random.default_rng(0)

    def random_model(texts):
        vectors = rng.normal(size=(len(texts), 384))
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    with pytest.raises(identity.NotTheModel):
        identity.check_outputs(random_model, identity.INT8_TOLERANCE)


def test_one_message_and_a_batch_agree(agent):
    encoder = _featurizer(agent).encoder
    texts = ["side effects?", "", "I've had nightmares since the crash and I can't sleep, what helps?"]
    batch = encoder.encode(texts)
    for text, row in zip(texts, batch):
        assert np.allclose(encoder.encode_one(text), row, atol=1e-5)
        assert np.linalg.norm(row) == pytest.approx(1.0, abs=1e-4)


def test_a_long_paste_keeps_its_opening_and_its_end(agent):
    encoder = _featurizer(agent).encoder
    text = "my story " * 300 + "so my question is how long does cpt take"
    ids = encoder.token_ids(text)
    assert len(ids) == encoder.max_tokens
    full = encoder.tokenizer.encode(text).ids
    assert ids[:HEAD_TOKENS] == full[:HEAD_TOKENS] and ids[HEAD_TOKENS:] == full[-(encoder.max_tokens - HEAD_TOKENS) :]


def test_the_classifier_reads_the_encoder_vector(agent):
    message = _featurized(agent, "what does emdr stand for")
    dense = message.get_dense_features("text")[1]
    assert dense is not None and dense.features.shape == (1, 384)
    classifier = next(c for c in _pipeline(agent) if isinstance(c, FastLogisticRegressionClassifier))
    sparse_width = message.get_sparse_features("text")[1].features.shape[1]
    assert classifier.clf.coef_.shape[1] == sparse_width + 384


def test_the_light_pipeline_is_the_same_without_the_encoder():
    with open("config.yml", encoding="utf-8") as handle:
        full_text = handle.read()
    full, lean = yaml.safe_load(full_text), yaml.safe_load(light(full_text))
    names = [c["name"] for c in full["pipeline"]]
    assert ENCODER in names
    assert lean["pipeline"] == [c for c in full["pipeline"] if c["name"] != ENCODER]
    assert {k: v for k, v in lean.items() if k != "pipeline"} == {k: v for k, v in full.items() if k != "pipeline"}


def test_the_int8_word_table_is_close_to_the_full_one():
    from safetensors.numpy import load_file

    from understanding.encoder.graph import WordTable, word_table

    full = word_table(load_file(str(identity.model_dir() / "model.safetensors")))
    table = WordTable.quantize(full)
    ids = np.arange(0, len(full), 97)
    error = np.abs(table.lookup(ids) - full[ids]).max(axis=1) / np.abs(full[ids]).max(axis=1)
    assert error.max() <= 0.5 / 127 + 1e-6  # rounding to the nearest of 255 steps per row
    again = WordTable.from_bytes(table.to_bytes())
    assert np.array_equal(again.values, table.values) and np.array_equal(again.scales, table.scales)


def test_the_bench_reads_the_encoder_out_of_the_trained_model(agent, tmp_path):
    import tarfile

    from bench.encoder_cost import extract
    from tests.conftest import MODEL
    from understanding.encoder_featurizer import GRAPH_FILE, TOKENIZER_FILE, WORDS_FILE

    folder = extract(MODEL, tmp_path)
    assert folder is not None and all((folder / n).stat().st_size > 0 for n in (GRAPH_FILE, TOKENIZER_FILE, WORDS_FILE))
    empty = tmp_path / "light.tar.gz"
    with tarfile.open(empty, "w:gz"):
        pass
    assert extract(empty, tmp_path) is None  # a light-pipeline model has no encoder to measure
