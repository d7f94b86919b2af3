"""Title matching: a component that stores each position's title words mapped through a synonym
model (a folder holding ``synonyms.json``), a signal that ranks titles by shared words, and the
modes ``title`` and ``hybrid+title``. Its build options: ``--titles-model`` (another synonym
folder) and ``--titles-min-length`` (shorter words are ignored)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from pathlib import Path

from scientia.engine import Signal, SignalResult, register_mode, register_signal
from scientia.indexers import Component, register_component
from scientia.indexers.components import ModelRef

PACKAGED_MODEL = Path(__file__).parent / "synonyms"
TITLES_FILE = "titles.json"


@dataclasses.dataclass
class TitleOptions:
    model: str = dataclasses.field(default=str(PACKAGED_MODEL), metadata={"help": "Folder holding synonyms.json."})
    min_length: int = dataclasses.field(default=1, metadata={"help": "Ignore title words shorter than this."})


@dataclasses.dataclass
class SynonymModel:
    path: str
    checksum: str
    synonyms: dict

    @classmethod
    def load(cls, folder: str) -> SynonymModel:
        content = (Path(folder) / "synonyms.json").read_bytes()
        return cls(str(Path(folder).resolve()), hashlib.sha256(content).hexdigest(), json.loads(content))

    def words(self, text: str, min_length: int) -> list[str]:
        found = [w.rstrip("s") if len(w) > 3 else w for w in re.findall(r"\w+", text.lower()) if len(w) >= min_length]
        return [self.synonyms.get(w, w) for w in found]


@dataclasses.dataclass
class TitleSection:
    titles: int
    min_length: int
    model_path: str
    model_checksum: str


class TitleComponent(Component):
    name = "titles"
    Section = TitleSection
    Options = TitleOptions
    files = (TITLES_FILE,)

    def models(self, section):
        return (ModelRef("synonyms", "synonyms", section.model_path, section.model_checksum),)

    def load_model(self, root, section, request):
        model = SynonymModel.load(section.model_path)
        if model.checksum != section.model_checksum:
            raise ValueError(f"{section.model_path}: not the synonym model {root} was built with")
        return model

    def create(self, folder, build):
        options = build.component_options(self)
        model = SynonymModel.load(options.model)
        return self._write(folder, [d.title for d in build.documents], model, options.min_length)

    def open(self, folder, section, context):
        return json.loads((folder / TITLES_FILE).read_text())

    def refresh(self, change, section):  # every change: rewrite from the document store
        titles = [text.split("\n", 1)[0] if "\n" in text else "" for text in change.store.all_texts()]
        model = change.model(self)
        change.replace(TITLES_FILE, lambda path: None)
        return self._write(change.folder, titles, model, section.min_length)

    def summary(self, section):
        return f"{section.titles} titles, words of {section.min_length}+ letters"

    def _write(self, folder, titles, model, min_length):
        (folder / TITLES_FILE).write_text(json.dumps([model.words(t, min_length) for t in titles]))
        return TitleSection(len(titles), min_length, model.path, model.checksum)


class TitleSignal(Signal):
    name = "title"
    requires = ("titles",)

    def __init__(self, titles, model, min_length):
        self.titles, self.model, self.min_length = titles, model, min_length

    @classmethod
    def open(cls, generation, options):
        section = generation.manifest.section("titles")
        return cls(generation.open_component("titles", options.open_context), SynonymModel.load(section.model_path),
                   section.min_length)

    def rank(self, queries, depth, restriction=None):
        results = []
        for query in queries:
            wanted = set(self.model.words(query, self.min_length))
            scored = [(p, float(len(wanted & set(t)))) for p, t in enumerate(self.titles)
                      if wanted & set(t) and (restriction is None or restriction.permits(p))]
            results.append(SignalResult(sorted(scored, key=lambda item: (-item[1], item[0]))[:depth]))
        return results


def register() -> None:
    register_component(TitleComponent())
    register_signal(TitleSignal)
    register_mode("title", ["title"])
    register_mode("hybrid+title", ["dense", "lexical", "title"])
