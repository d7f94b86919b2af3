"""A plugin from an installed distribution: tests/plugins/scientia-titles brings a component with
its own synonym model and build options, a signal and two modes through the entry point group
``scientia.components``. With no edit to scientia it works from ``index build`` (its flags too),
``query --mode``, ``index add``, ``serve``, a sharded index and Ray; without it, an index that has
its component answers the other modes and refuses changes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from helpers import REPO, SMALL_CORPUS, serving, write_jsonl

PLUGIN_SOURCE = REPO / "tests" / "plugins" / "scientia-titles"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> Path:
    """The plugin installed (pip, no network) into a folder of its own, never into the environment."""
    work = tmp_path_factory.mktemp("plugin")
    source = shutil.copytree(PLUGIN_SOURCE, work / "source")  # the build writes beside the sources
    site = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
                    "--target", str(site), str(source)], check=True, capture_output=True)
    assert (site / "scientia_titles").is_dir() and list(site.glob("scientia_titles-*.dist-info"))
    return site


def _scientia(*arguments: str, site: Path | None, timeout: float = 300) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(site) if site else ""}
    return subprocess.run([sys.executable, "-m", "scientia.cli", *arguments], env=environment, capture_output=True,
                          text=True, timeout=timeout)


def _hits(result: subprocess.CompletedProcess) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def plugin_index(plugin_site: Path, tmp_path_factory) -> Path:
    """SMALL_CORPUS in two shards, with the plugin's component built with its own options: a synonym
    model of the test's (kitty → cat) and words of 4 letters or more."""
    folder = tmp_path_factory.mktemp("indexed")
    model = folder / "synonyms"
    model.mkdir()
    (model / "synonyms.json").write_text(json.dumps({"kitty": "cat", "yeast": "sourdough"}))
    result = _scientia("index", "build", str(write_jsonl(folder / "c.jsonl", SMALL_CORPUS)), "-o", str(folder / "index"),
                       "--shards", "2", "--titles-model", str(model), "--titles-min-length", "4", site=plugin_site)
    assert result.returncode == 0, result.stderr
    assert "titles: 6 titles, words of 4+ letters" in result.stderr
    return folder / "index"


def test_the_plugin_brings_its_flags_and_its_section(plugin_site: Path, plugin_index: Path):
    helped = _scientia("index", "build", "--help", site=plugin_site)
    assert "--titles-model" in helped.stdout and "--titles-min-length" in helped.stdout
    assert "--titles-model" not in _scientia("index", "build", "--help", site=None).stdout
    manifest = json.loads((plugin_index / "manifest.json").read_text())
    section = manifest["titles"]
    assert section["min_length"] == 4 and section["model_path"].endswith("synonyms") and len(section["model_checksum"]) == 64
    assert any(name.endswith("titles.json") for name in manifest["files"])  # checksummed like every data file
    info = _scientia("index", "info", str(plugin_index), site=plugin_site)
    assert info.returncode == 0 and "component titles" in info.stdout


def test_the_plugin_mode_answers_through_its_model_and_fuses(plugin_site: Path, plugin_index: Path):
    hits = _hits(_scientia("query", str(plugin_index), "kitty", "--mode", "title", "--json", site=plugin_site))
    assert [hit["id"] for hit in hits] == ["cats"]  # only the plugin's synonym model knows a kitty is a cat
    assert hits[0]["signals"]["title"]["rank"] == 1
    # words under 4 letters were left out of the titles by the plugin's option
    assert _hits(_scientia("query", str(plugin_index), "cat", "--mode", "title", "--json", site=plugin_site)) == []
    fused = _hits(_scientia("query", str(plugin_index), "yeast", "-k", "3", "--mode", "hybrid+title", "--json", site=plugin_site))
    assert fused[0]["id"] == "bread" and set(fused[0]["signals"]) == {"dense", "lexical", "title"}


def test_a_change_carries_the_plugin_component_with_its_model(plugin_site: Path, plugin_index: Path, tmp_path: Path):
    index = Path(shutil.copytree(plugin_index, tmp_path / "index"))
    more = write_jsonl(tmp_path / "more.jsonl", [{"id": "tea", "title": "Kitty tea", "text": "Steeped leaves."}])
    assert _scientia("index", "add", str(index), str(more), site=plugin_site).returncode == 0
    hits = _hits(_scientia("query", str(index), "kitty", "--mode", "title", "--json", site=plugin_site))
    assert {hit["id"] for hit in hits} == {"cats", "tea"}
    # without the plugin the index still answers its other modes, and refuses changes it could not carry
    plain = _hits(_scientia("query", str(index), "magma", "-k", "1", "--json", site=None))
    assert plain[0]["id"] == "volcano"
    refused = _scientia("query", str(index), "kitty", "--mode", "title", site=None)
    assert refused.returncode == 2 and "'title' is not one of" in refused.stderr
    before = (index / "manifest.json").read_bytes()
    deleted = _scientia("index", "delete", str(index), "--ids", "cats", site=None)
    assert deleted.returncode != 0 and "components this process does not know (titles)" in deleted.stderr
    assert (index / "manifest.json").read_bytes() == before


def _search(port: int, query: str, mode: str) -> list[dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/search", method="POST",
                                     data=json.dumps({"query": query, "k": 3, "mode": mode}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["hits"]


@pytest.mark.parametrize("ray", [False, True], ids=["threads", "ray-local"])
def test_a_server_answers_the_plugin_mode(plugin_site: Path, plugin_index: Path, ray: bool, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(plugin_site))  # the server process, and Ray's workers after it
    with serving(plugin_index, *(["--ray", "local"] if ray else [])) as port:
        assert [hit["id"] for hit in _search(port, "kitty", "title")] == ["cats"]
        fused = _search(port, "yeast", "hybrid+title")
        assert fused[0]["id"] == "bread" and set(fused[0]["signals"]) == {"dense", "lexical", "title"}
