"""BM25 in other languages than English: folding, CJK bigrams, stemmers, and `--language auto`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scientia.indexers.analysis import Analyzer, detect_language, language
from scientia.indexers.analysis.folding import fold_accents
from scientia.indexers.analysis.segmentation import bigrams, split_terms

from helpers import SAMPLE_CORPUS, write_jsonl

CHINESE = [
    {"id": "panda", "title": "熊猫", "text": "大熊猫主要以竹子为食，生活在四川的山区。"},
    {"id": "wall", "title": "长城", "text": "长城是中国古代的军事防御工程，绵延数千公里。"},
    {"id": "tea", "title": "茶", "text": "中国是茶的故乡，人们喜欢在下午喝绿茶。"},
    {"id": "capital", "title": "北京", "text": "北京是中华人民共和国的首都，有很多历史古迹。"},
]
GERMAN = [
    {"id": "tram", "title": "Verkehr", "text": "Die Straßenbahn fährt jeden Morgen durch die Innenstadt und hält am Bahnhof."},
    {"id": "bakery", "title": "Bäckerei", "text": "In der Bäckerei gibt es frische Brotchen und Kuchen für das Frühstück."},
    {"id": "weather", "title": "Wetter", "text": "Im Winter ist es in den Bergen sehr kalt, und es schneit oft."},
    {"id": "rolls", "title": "Frühstück", "text": "Zum Frühstück isst die Familie Brötchen mit Butter und Marmelade."},
]
JAPANESE = [
    {"id": "j1", "title": "東京", "text": "東京は日本の首都で、たくさんの人が住んでいます。"},
    {"id": "j2", "title": "富士山", "text": "富士山は日本で一番高い山です。"},
]


def test_folding_removes_case_and_latin_accents_only():
    assert "Straße".casefold() == "strasse"
    assert fold_accents("brötchen") == "brotchen"
    assert fold_accents("élève ñandú Øresund æsir łódź") == "eleve nandu Oresund aesir lodz"
    # marks that are part of the letter in other scripts stay
    assert fold_accents("한국어 हिन्दी") == "한국어 हिन्दी"


def test_cjk_runs_become_bigrams_and_words_stay_words():
    assert bigrams("竹子") == ["竹子"]
    assert bigrams("我喜欢竹子") == ["我喜", "喜欢", "欢竹", "竹子"]
    assert bigrams("茶") == ["茶"]
    assert split_terms("熊猫 Pandas 2024年") == (["Pandas", "2024"], ["熊猫", "年"])


def test_german_analysis_matches_sharp_s_and_umlauts_both_ways():
    german = language("de")
    analyze = Analyzer(german.stopwords, german.stemmer)
    assert analyze("Straßenbahn") == analyze("Strassenbahn") == ["strassenbahn"]
    assert analyze("Brötchen") == analyze("Brotchen") == ["brotch"]
    assert analyze("die und der") == []  # German stopwords


def test_english_analysis_of_ascii_text_is_unchanged_by_folding():
    """Indexes built before languages existed lower-case only; on ASCII English the new analyzer
    must give the very same terms, so English rankings do not move."""
    texts = [json.loads(line)["text"] for line in SAMPLE_CORPUS.read_text().splitlines()]
    texts = [text for text in texts if text.isascii()]
    assert len(texts) > 150
    folded, legacy = Analyzer("en", "english", fold=True), Analyzer("en", "english", fold=False)
    assert [folded(text) for text in texts] == [legacy(text) for text in texts]


def test_shipped_stopword_lists_are_bm25s_lists():
    import bm25s.stopwords

    from scientia.indexers.analysis.languages import stopwords

    assert stopwords("de") == frozenset(bm25s.stopwords.STOPWORDS_GERMAN)
    assert stopwords("fr") == frozenset(bm25s.stopwords.STOPWORDS_FRENCH)
    assert stopwords("ru") == frozenset(bm25s.stopwords.STOPWORDS_RUSSIAN)


def test_detection_tells_scripts_and_latin_languages_apart():
    texts = lambda records: [r["title"] + " " + r["text"] for r in records]  # noqa: E731
    assert detect_language(texts(CHINESE)).language == "zh"
    assert detect_language(texts(GERMAN)).language == "de"
    assert detect_language(texts(JAPANESE)).language == "ja"
    assert detect_language(["Москва является столицей России и крупнейшим городом страны."]).language == "ru"
    assert detect_language(["Le chat dort sur le canapé pendant que la pluie tombe."]).language == "fr"
    english = [json.loads(line)["text"] for line in SAMPLE_CORPUS.read_text().splitlines()]
    report = detect_language(english)
    assert report.language == "en" and report.shares == {"en": 1.0}
    assert detect_language(["", "42"]).language == "en"  # nothing to tell it by: the default


def _lexical_ids(index: Path, query: str) -> list[str]:
    from scientia.engine import Engine

    engine = Engine.open(index)
    try:
        return [hit.id for hit in engine.search(query, k=3, mode="lexical")]
    finally:
        engine.close()


@pytest.mark.slow
def test_chinese_index_finds_a_two_character_word_inside_a_sentence(tmp_path: Path):
    from scientia.indexers import BM25Params, BuildOptions, build_index
    from scientia.indexers.layout import IndexLayout

    corpus = write_jsonl(tmp_path / "zh.jsonl", CHINESE)
    build_index(corpus, tmp_path / "zh", BuildOptions(bm25=BM25Params(language="zh")))
    assert _lexical_ids(tmp_path / "zh", "竹子") == ["panda"]  # 竹子 is inside 以竹子为食
    assert _lexical_ids(tmp_path / "zh", "首都") == ["capital"]
    assert _lexical_ids(tmp_path / "zh", "绿茶") == ["tea"]

    build_index(corpus, tmp_path / "auto")
    section = IndexLayout(tmp_path / "auto").read_manifest().section("lexical")
    assert (section.language, section.stemmer, section.fold) == ("zh", None, True)
    assert _lexical_ids(tmp_path / "auto", "竹子") == ["panda"]


@pytest.mark.slow
def test_german_index_matches_spellings_both_ways_and_auto_picks_german(tmp_path: Path):
    from scientia.indexers import BM25Params, BuildOptions, build_index
    from scientia.indexers.layout import IndexLayout

    corpus = write_jsonl(tmp_path / "de.jsonl", GERMAN)
    build_index(corpus, tmp_path / "de", BuildOptions(bm25=BM25Params(language="de")))
    for query in ("Strassenbahn", "Straßenbahn"):
        assert _lexical_ids(tmp_path / "de", query) == ["tram"]
    for query in ("Brötchen", "Brotchen"):  # one document has each spelling
        assert sorted(_lexical_ids(tmp_path / "de", query)) == ["bakery", "rolls"]

    build_index(corpus, tmp_path / "auto")
    assert IndexLayout(tmp_path / "auto").read_manifest().section("lexical").language == "de"


@pytest.mark.slow
def test_documents_added_later_are_analyzed_in_the_index_language(tmp_path: Path):
    from scientia.indexers import build_index
    from scientia.indexers.updater import add_documents

    build_index(write_jsonl(tmp_path / "zh.jsonl", CHINESE), tmp_path / "zh")
    add_documents(tmp_path / "zh", write_jsonl(tmp_path / "more.jsonl", [
        {"id": "bamboo", "title": "竹林", "text": "竹林里的风声很好听。"},
    ]))
    assert _lexical_ids(tmp_path / "zh", "竹林") == ["bamboo"]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scientia.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.slow
def test_cli_language_option_warning_and_info(tmp_path: Path):
    write_jsonl(tmp_path / "mixed.jsonl", GERMAN + CHINESE)
    built = _cli("index", "build", "mixed.jsonl", "-o", "mixed", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    warnings = [line for line in built.stderr.splitlines() if "English-only" in line]
    assert len(warnings) == 1 and "--model" in warnings[0] and "multilingual" in warnings[0]
    info = _cli("index", "info", "mixed", cwd=tmp_path)
    assert "language=" in info.stdout

    english = _cli("index", "build", str(SAMPLE_CORPUS), "-o", "english", "--language", "en", cwd=tmp_path)
    assert english.returncode == 0 and "English-only" not in english.stderr

    wrong = _cli("index", "build", "mixed.jsonl", "-o", "x", "--language", "klingon", cwd=tmp_path)
    assert wrong.returncode == 2
    assert "klingon" in wrong.stderr and "zh" in wrong.stderr and "de" in wrong.stderr
    assert not (tmp_path / "x").exists()


# Labels in the manner of the W3C wine ontology's: English, short, many of them names. The
# function-word count used before read the "De" of the château names (twice in each entity's
# document: title and text) as Dutch, and the other labels as nothing, so the index was Dutch.
WINE_LABELS = ["Chateau De Meursault", "Clos De Vougeot", "Chateau De Lascombes", "Cotes De Bordeaux",
               "Red Wine", "White Wine", "Dry Riesling", "Sweet Riesling", "Late Harvest", "Table Wine",
               "Dessert Wine", "Full Bodied Red", "Medium Sweetness", "Wine Grape", "Winery", "Vintage Year",
               "Mountadam Riesling", "Selaks Ice Wine", "Kathryn Kennedy Lateral", "Gary Farrell Merlot"]


@pytest.mark.slow
def test_auto_language_of_an_index_of_english_labels_is_english(tmp_path: Path):
    """Point 9: an ontology of short English labels and names is detected as English."""
    from scientia.indexers import BuildOptions, build_index
    from scientia.indexers.knowledge_builder import KnowledgeOptions

    lines = ["@prefix : <http://scientia.example/wine#> .", "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .", ":Wine a owl:Class ."]
    for number, label in enumerate(WINE_LABELS):
        lines.append(f':w{number} a owl:NamedIndividual , :Wine ; rdfs:label "{label}" .')
    ontology = tmp_path / "wine.ttl"
    ontology.write_text("\n".join(lines) + "\n")
    manifest = build_index(None, tmp_path / "wine", BuildOptions(knowledge=KnowledgeOptions([ontology], reasoner="rl")))
    lexical = manifest.section("lexical")
    assert (lexical.language, lexical.stemmer) == ("en", "english")
    # and titles alone: Wikipedia's, of which many are names
    titles = ["Journal of Mathematical Physics", "Nuevo León", "Kurt Vonnegut", "The Beatles", "Lake Geneva",
              "Battle of Hastings", "Marie Curie", "Mount Kilimanjaro", "Leonardo da Vinci", "Van Halen"]
    assert detect_language(titles).language == "en"


@pytest.mark.slow
def test_a_language_given_by_name_brings_its_stemmer_and_stopwords(tmp_path: Path):
    """Point 8: --language de kept the English stemmer and stopwords, so "Wissensgraph" missed
    "Wissensgraphen"."""
    write_jsonl(tmp_path / "de.jsonl", [
        {"id": "kg", "text": "Wissensgraphen verbinden Begriffe mit ihren Beziehungen."},
        {"id": "tram", "text": "Die Straßenbahn fährt durch die Stadt."},
    ])
    assert _cli("index", "build", "de.jsonl", "-o", "de", "--language", "de", "-q", cwd=tmp_path).returncode == 0
    info = json.loads(_cli("index", "info", "de", "--json", cwd=tmp_path).stdout)
    lexical = info["lexical"]
    assert (lexical["language"], lexical["stemmer"], lexical["stopwords"]) == ("de", "german", "de")
    found = _cli("query", "de", "Wissensgraph", "--mode", "lexical", "--json", cwd=tmp_path)
    assert [json.loads(line)["id"] for line in found.stdout.splitlines()] == ["kg"]


def test_a_single_cjk_character_is_searchable(tmp_path: Path):
    """Point 16: a one-character query found nothing (documents held only bigrams); it now finds
    the documents with that character, while a two-character query still matches its bigram only."""
    from scientia.indexers import BM25Params, BuildOptions, build_index

    build_index(write_jsonl(tmp_path / "zh.jsonl", CHINESE), tmp_path / "zh", BuildOptions(bm25=BM25Params(language="zh")))
    assert _lexical_ids(tmp_path / "zh", "竹") == ["panda"]
    assert set(_lexical_ids(tmp_path / "zh", "茶")) == {"tea"}
    assert _lexical_ids(tmp_path / "zh", "竹林") == []  # no document has 竹林; 竹 alone does not match it
    assert split_terms("竹子林", unigrams=True) == ([], ["竹子", "子林", "竹", "子", "林"])
