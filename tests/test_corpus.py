"""The training corpus of "Put it together": committed, deterministic, and of the right size."""
import re
from collections import Counter

from assignments.lecture16.corpus import generate

TOKEN = re.compile(r"\w+|[^\w\s]")  # the notebook's word-level tokenizer


def _committed() -> bytes:
    return generate.CORPUS.read_bytes()


def test_regenerating_gives_the_committed_file_byte_for_byte():
    assert generate.generate_corpus().encode("ascii") == _committed(), (
        "corpus.txt is stale: run `python -m assignments.lecture16.corpus.generate`")


def test_main_writes_the_same_bytes(tmp_path, monkeypatch, capsys):
    target = tmp_path / "corpus.txt"
    monkeypatch.setattr(generate, "CORPUS", target)
    monkeypatch.setattr(generate, "INSTRUCTIONS", tmp_path / "instructions.txt")  # not the repo's
    generate.main()
    assert target.read_bytes() == _committed()
    assert "1100 documents" in capsys.readouterr().out


def test_the_seed_decides_the_corpus():
    first = generate.generate_corpus(seed=1, n_docs=50)
    assert generate.generate_corpus(seed=1, n_docs=50) == first
    assert generate.generate_corpus(seed=2, n_docs=50) != first


def test_size_is_between_100_and_300_kb():
    assert 100_000 <= len(_committed()) <= 300_000


def test_one_ascii_document_per_line_of_1_to_12_sentences():
    text = _committed().decode("ascii")
    assert text.endswith("\n") and "\r" not in text
    documents = text.split("\n")[:-1]
    assert len(documents) == generate.N_DOCS
    sentences = [len(re.findall(r"[.!?](?= |$)", doc)) for doc in documents]
    assert all(doc and doc == doc.strip() for doc in documents)
    assert min(sentences) == 1 and max(sentences) == generate.MAX_SENTENCES
    assert len(set(sentences)) == generate.MAX_SENTENCES  # every length occurs


def test_word_level_vocabulary_is_small():
    counts = Counter(TOKEN.findall(_committed().decode("ascii").lower()))
    assert 100 <= len(counts) <= 400
    assert min(counts.values()) >= 10  # no word so rare that it is often unknown in validation
    assert "the cat sat on the mat" in _committed().decode("ascii").lower()  # the lecture's


# ----------------------------------------------------------------------------- instructions.txt
def _pairs() -> list[list[str]]:
    return [line.split("\t") for line in generate.INSTRUCTIONS.read_text("ascii").splitlines()]


def test_instructions_regenerate_byte_for_byte_and_main_writes_them(tmp_path, monkeypatch):
    committed = generate.INSTRUCTIONS.read_bytes()
    assert generate.generate_instructions().encode("ascii") == committed, (
        "instructions.txt is stale: run `python -m assignments.lecture16.corpus.generate`")
    monkeypatch.setattr(generate, "CORPUS", tmp_path / "corpus.txt")
    monkeypatch.setattr(generate, "INSTRUCTIONS", tmp_path / "instructions.txt")
    generate.main()
    assert (tmp_path / "instructions.txt").read_bytes() == committed
    assert generate.generate_instructions(seed=1, n=20) != generate.generate_instructions(n=20)


def test_each_instruction_is_a_question_answered_from_its_story():
    pairs = _pairs()
    assert len(pairs) == generate.N_INSTRUCTIONS and all(len(p) == 2 for p in pairs)
    places = {place for _, _, ps in generate.SETTINGS.values() for place in ps}
    for prompt, response in pairs:
        who = re.fullmatch(r".*Where was (.+)\?", prompt).group(1)
        answered = re.fullmatch(r"(.+) was (.+)\.", response)
        assert answered.group(1).lower() == who.lower(), (prompt, response)
        assert answered.group(2) in places and answered.group(2) in prompt, (prompt, response)
        n_tokens = len(TOKEN.findall(prompt)) + len(TOKEN.findall(response))
        assert n_tokens <= generate.MAX_INSTRUCTION_TOKENS  # with <eos>: the context of 32


def test_instructions_use_only_the_corpus_vocabulary():
    corpus_words = set(TOKEN.findall(_committed().decode("ascii").lower()))
    words = {w for pair in _pairs() for text in pair for w in TOKEN.findall(text.lower())}
    assert words <= corpus_words, sorted(words - corpus_words)[:10]
