"""A tiny corpus of simple English stories, made by a small probabilistic grammar.

The "Put it together" section of the notebook trains a small language model on it. The corpus
is synthetic on purpose: it is small (about 200 KB), has a small vocabulary (about 260 word and
punctuation types for a lowercasing word-level tokenizer), and is the same for everyone.

Format of ``corpus.txt``: plain ASCII text, **one document per line** (a short story of 1 to 12
sentences); lines end with ``\\n`` and no line is empty. A document's sentences are separated by
single spaces.

The grammar: every document has a setting (farm, town, sea, school, kitchen, forest), which
picks the nouns and places its sentences talk about, and a cast of characters (names). A
sentence is a simple clause (subject, verb in the past tense, object or place), sometimes joined
to a second clause ("..., and ...", "... because ...") or reported ("Mia said that ..."), or a
short question or exclamation. All choices come from one ``random.Random(seed)``, and only
lists and tuples are iterated (never sets or dicts of unknown order), so the output is the same,
byte for byte, on every machine and Python version.

The same grammar also writes ``instructions.txt``, a tiny instruction-tuning set for the
notebook's "From foundation to instruct" part: one (prompt, response) pair per line, separated
by a tab. The prompt is a one- or two-sentence story and a question about where someone or
something was; the response answers it from the story ("Mia found the red ball in the barn.
Where was the red ball?" -> "The red ball was in the barn."). Every word comes from the
corpus's lexicon, so the pre-trained model knows them all.

Regenerate both (deterministic: the result is identical to the committed files) with

    python -m assignments.lecture16.corpus.generate
"""
from __future__ import annotations

import random
import re
from pathlib import Path

SEED = 51_17
N_DOCS = 1100
MAX_SENTENCES = 12
# how often a document has 1, 2, ..., MAX_SENTENCES sentences: mostly short, a few long
LENGTH_WEIGHTS = (12, 10, 9, 8, 7, 6, 5, 4, 3, 3, 2, 2)
CORPUS = Path(__file__).with_name("corpus.txt")
INSTRUCTIONS = Path(__file__).with_name("instructions.txt")
INSTRUCTION_SEED = SEED + 1
N_INSTRUCTIONS = 600
MAX_INSTRUCTION_TOKENS = 31  # prompt + response, so that with <eos> they fit the context of 32

# ----------------------------------------------------------------------------- the lexicon
NAMES = ("Mia", "Sam", "Leo", "Ava", "Noah", "Zoe", "Omar", "Lily", "Ben", "Nora", "Kai", "Ruth")
PRONOUNS = (("he", "him", "his"), ("she", "her", "her"), ("they", "them", "their"))

# nouns shared by every setting (creatures, then things), then each setting's own
COMMON_CREATURES = ("cat", "dog", "bird", "friend")
COMMON_THINGS = ("box", "ball", "book", "hat", "bag", "mat")
SETTINGS = {  # setting: (creatures, things, places)
    "farm": (("cow", "horse", "hen", "goat", "pig", "farmer"),
             ("barn", "fence", "tractor", "egg", "apple", "bucket"),
             ("in the barn", "on the fence", "in the field", "by the pond", "on the hill")),
    "town": (("baker", "driver", "mouse", "neighbor"),
             ("bus", "car", "bike", "coat", "clock", "ticket", "letter", "umbrella"),
             ("in the shop", "on the street", "at the station", "near the bridge",
              "in the park")),
    "sea": (("fish", "sailor", "gull", "crab", "seal"),
            ("boat", "shell", "net", "rope", "map", "kite"),
            ("on the beach", "in the boat", "by the harbor", "on the island",
             "under the pier")),
    "school": (("teacher", "student", "class"),
               ("desk", "pencil", "song", "picture", "paper", "chair", "story", "drum"),
               ("in the classroom", "at the library", "in the hall", "on the playground",
                "at the desk")),
    "kitchen": (("cook", "mouse", "baby"),
                ("cake", "bread", "cup", "pot", "spoon", "soup", "plate", "kettle", "orange"),
                ("in the kitchen", "on the table", "by the oven", "at the sink",
                 "on the shelf")),
    "forest": (("fox", "owl", "rabbit", "bear", "deer", "squirrel"),
               ("stone", "leaf", "nest", "mushroom", "stick", "acorn"),
               ("in the woods", "by the river", "under a tree", "on the path",
                "near the cave")),
}
ADJECTIVES = ("big", "small", "old", "new", "red", "blue", "green", "happy", "sad", "quiet",
              "loud", "little", "warm", "cold", "soft", "funny", "brave", "tired", "shiny",
              "wet")
DETERMINERS = ("the", "the", "the", "a", "a", "this", "that", "every", "one")
# verbs in the past tense
INTRANSITIVE = ("sat", "slept", "ran", "jumped", "laughed", "waited", "sang", "smiled", "cried",
                "danced", "stopped", "fell", "swam", "walked", "stayed", "hid", "played",
                "rested")
TRANSITIVE = ("saw", "found", "liked", "took", "chased", "carried", "painted", "watched",
              "lost", "pushed", "cleaned", "held", "opened", "dropped", "fixed", "heard",
              "wanted", "followed", "made", "bought")
DITRANSITIVE = ("gave", "showed", "sent", "brought", "threw", "read")
BASE_FORMS = ("see", "find", "like", "hear", "want")  # for questions: "Did Mia see the fox?"
SAYING = ("said", "thought", "knew", "hoped", "felt")
ADVERBS = ("quickly", "slowly", "happily", "quietly", "again", "later", "today", "yesterday",
           "carefully", "too")
TIMES = ("one morning", "that night", "after lunch", "in the evening", "on monday",
         "the next day", "at noon", "before dinner")
CONNECTIVES = ((", and", 4), (", but", 3), (" because", 2), (", so", 2), (" when", 2),
               (" while", 1))
EXCLAIMS = ("What a day", "How nice", "Oh no", "Look at that", "Well done", "Good night")


class Grammar:
    """The sentence grammar for one document: its setting, nouns, places and characters."""

    def __init__(self, rng: random.Random, setting: str):
        self.rng = rng
        creatures, things, places = SETTINGS[setting]
        self.creatures = creatures + COMMON_CREATURES
        self.things = things + COMMON_THINGS
        self.places = places
        self.cast = rng.sample(NAMES, rng.randint(1, 3))  # NAMES is a tuple: a stable order

    def pick(self, items):
        return self.rng.choice(items)

    def noun_phrase(self, nouns, names: bool = True) -> str:
        """A name (sometimes), or a determiner, maybe an adjective, and one of ``nouns``."""
        if names and self.rng.random() < 0.4:
            return self.pick(self.cast)
        det = self.pick(DETERMINERS)
        words = [self.pick(ADJECTIVES)] if self.rng.random() < 0.4 else []
        words.append(self.pick(nouns))
        if det == "a" and words[0][0] in "aeiou":
            det = "an"
        return " ".join([det, *words])

    def creature(self) -> str:
        return self.noun_phrase(self.creatures)

    def thing(self) -> str:
        if self.rng.random() < 0.2:
            return f"{self.pick(PRONOUNS)[2]} {self.pick(self.things)}"  # "her hat"
        return self.noun_phrase(self.things, names=False)

    def subject(self) -> str:
        if self.rng.random() < 0.2:
            return self.pick(PRONOUNS)[0]
        return self.creature()

    def obj(self) -> str:
        r = self.rng.random()
        if r < 0.15:
            return self.pick(PRONOUNS)[1]
        return self.creature() if r < 0.45 else self.thing()

    def verb_phrase(self) -> str:
        r = self.rng.random()
        if r < 0.35:
            vp = self.pick(INTRANSITIVE)
        elif r < 0.8:
            vp = f"{self.pick(TRANSITIVE)} {self.obj()}"
        else:
            vp = f"{self.pick(DITRANSITIVE)} {self.thing()} to {self.creature()}"
        if self.rng.random() < 0.35:
            vp += " " + self.pick(self.places)
        if self.rng.random() < 0.2:
            vp += " " + self.pick(ADVERBS)
        return vp

    def clause(self) -> str:
        return f"{self.subject()} {self.verb_phrase()}"

    def sentence(self) -> str:
        r = self.rng.random()
        if r < 0.05:
            return self.pick(EXCLAIMS) + "!"
        if r < 0.09:
            return f"Where was {self.obj()}?"
        if r < 0.12:
            return f"Did {self.subject()} {self.pick(BASE_FORMS)} {self.obj()}?"
        if r < 0.2:
            text = f"{self.pick(self.cast)} {self.pick(SAYING)} that {self.clause()}"
        elif r < 0.45:
            words, _ = zip(*CONNECTIVES)
            weights = [w for _, w in CONNECTIVES]
            joiner = self.rng.choices(words, weights=weights)[0]
            text = f"{self.clause()}{joiner} {self.clause()}"
        elif r < 0.55:
            text = f"{self.pick(TIMES)}, {self.clause()}"
        else:
            text = self.clause()
        return text[0].upper() + text[1:] + "."


def document(rng: random.Random) -> str:
    """One short story: a setting, a cast, and 1 to MAX_SENTENCES sentences."""
    grammar = Grammar(rng, rng.choice(sorted(SETTINGS)))
    n = rng.choices(range(1, MAX_SENTENCES + 1), weights=LENGTH_WEIGHTS)[0]
    sentences = [grammar.sentence() for _ in range(n)]
    if rng.random() < 0.05:
        sentences[0] = "The cat sat on the mat."  # the lecture's sentence
    return " ".join(sentences)


def generate_corpus(seed: int = SEED, n_docs: int = N_DOCS) -> str:
    """The whole corpus as one string: ``n_docs`` documents, one per line."""
    rng = random.Random(seed)
    return "".join(document(rng) + "\n" for _ in range(n_docs))


def _capitalized(text: str) -> str:
    return text[0].upper() + text[1:]


def instruction(rng: random.Random) -> tuple[str, str]:
    """One (prompt, response) pair: a story, a "Where was X?" question, and its answer."""
    grammar = Grammar(rng, rng.choice(sorted(SETTINGS)))
    place = grammar.pick(grammar.places)
    if rng.random() < 0.5:  # ask about the subject: "Mia sang in the barn. Where was Mia?"
        who = grammar.creature()
        story = f"{who} {grammar.pick(INTRANSITIVE)} {place}"
    else:  # ask about the object: "Mia found the ball in the barn. Where was the ball?"
        who = grammar.noun_phrase(grammar.things, names=False)
        story = f"{grammar.creature()} {grammar.pick(TRANSITIVE)} {who} {place}"
    story = _capitalized(story) + "."
    if rng.random() < 0.5:  # a sentence of the story before it, to look past
        story = grammar.sentence() + " " + story
    return f"{story} Where was {who}?", _capitalized(f"{who} was {place}.")


def _n_tokens(text: str) -> int:
    return len(re.findall(r"\w+|[^\w\s]", text))  # the notebook's word-level tokenizer


def generate_instructions(seed: int = INSTRUCTION_SEED, n: int = N_INSTRUCTIONS) -> str:
    """``n`` (prompt, response) pairs, one per line, tab-separated, of at most
    MAX_INSTRUCTION_TOKENS tokens each (longer draws are skipped)."""
    rng = random.Random(seed)
    lines: list[str] = []
    while len(lines) < n:
        prompt, response = instruction(rng)
        if _n_tokens(prompt) + _n_tokens(response) <= MAX_INSTRUCTION_TOKENS:
            lines.append(f"{prompt}\t{response}\n")
    return "".join(lines)


def main() -> None:
    for path, text, unit in ((CORPUS, generate_corpus(), "documents"),
                             (INSTRUCTIONS, generate_instructions(), "instructions")):
        with open(path, "w", encoding="ascii", newline="\n") as f:
            f.write(text)
        print(f"wrote {path} ({len(text.encode('ascii')) / 1000:.0f} KB, "
              f"{text.count(chr(10))} {unit})")


if __name__ == "__main__":
    main()
