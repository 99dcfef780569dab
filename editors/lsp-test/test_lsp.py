"""`labc lsp` driven by a real LSP client (pytest-lsp, on pygls) over stdio.

The server is the binary in $LABC (run.sh sets it: target/release/labc unless given), on a
copy of the fixture lab tests/lsp/lab/ in a temporary directory. Each request has a helper
below, so that a case is one test function; a case fails when the server does not
advertise the capability it needs.
"""

import asyncio
import os
import pathlib
import shutil

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "lsp" / "lab"
LABC = os.environ.get("LABC", str(ROOT / "target" / "release" / "labc"))

# A bound against a hang, not a speed check: the longest wait for one message.
HANG = 60.0

# apps/web.lab, line 7 (from 0): `instance shop = web on home { replicas = 2 }`.
INSTANCE_LINE = 7


@pytest.fixture
def lab(tmp_path: pathlib.Path) -> pathlib.Path:
    """A copy of the fixture lab, so nothing the server or a test does touches the tree."""
    root = tmp_path / "lab"
    shutil.copytree(FIXTURE, root)
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[LABC, "lsp"]))
async def client(lsp_client: LanguageClient, lab: pathlib.Path):
    params = types.InitializeParams(
        capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
        workspace_folders=[types.WorkspaceFolder(uri=lab.as_uri(), name="lab")],
    )
    lsp_client.init_result = await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


def pos(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


def rng(a: tuple[int, int], b: tuple[int, int]) -> types.Range:
    return types.Range(start=pos(*a), end=pos(*b))


def open_file(client: LanguageClient, path: pathlib.Path) -> str:
    """didOpen of `path` with its text on disk; its URI."""
    uri = path.as_uri()
    item = types.TextDocumentItem(uri=uri, language_id="lab", version=1, text=path.read_text())
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    return uri


def change(client: LanguageClient, uri: str, version: int, at: types.Range, text: str):
    """An incremental didChange: `text` replaces `at`."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=at, text=text)],
        )
    )


async def diagnostics_until(client: LanguageClient, uri: str, done) -> list[types.Diagnostic]:
    """The diagnostics last published for `uri` once `done` holds of them."""
    async def wait():
        while True:
            got = client.diagnostics.get(uri)
            if got is not None and done(got):
                return got
            await asyncio.sleep(0.02)

    return await asyncio.wait_for(wait(), HANG)


def at(uri: str, line: int, character: int) -> dict:
    return {"text_document": types.TextDocumentIdentifier(uri=uri), "position": pos(line, character)}


async def definition(client: LanguageClient, uri: str, line: int, character: int):
    params = types.DefinitionParams(**at(uri, line, character))
    return await asyncio.wait_for(client.text_document_definition_async(params), HANG)


async def hover_text(client: LanguageClient, uri: str, line: int, character: int) -> str:
    params = types.HoverParams(**at(uri, line, character))
    hover = await asyncio.wait_for(client.text_document_hover_async(params), HANG)
    if hover is None:
        return ""
    contents = hover.contents
    return contents.value if isinstance(contents, types.MarkupContent) else str(contents)


async def completion_labels(client: LanguageClient, uri: str, line: int, character: int):
    params = types.CompletionParams(**at(uri, line, character))
    result = await asyncio.wait_for(client.text_document_completion_async(params), HANG)
    items = result.items if isinstance(result, types.CompletionList) else (result or [])
    return [item.label for item in items]


async def rename(client: LanguageClient, uri: str, line: int, character: int, new_name: str):
    params = types.RenameParams(new_name=new_name, **at(uri, line, character))
    return await asyncio.wait_for(client.text_document_rename_async(params), HANG)


def require(client: LanguageClient, capability: str):
    """Fail the case when the server does not advertise `capability`."""
    assert getattr(client.init_result.capabilities, capability) is not None, (
        f"labc lsp does not advertise {capability}"
    )


def edits_by_uri(edit: types.WorkspaceEdit) -> dict[str, list[types.Range]]:
    """The ranges a workspace edit changes, by file, from `changes` or `documentChanges`."""
    out: dict[str, list[types.Range]] = {}
    for uri, edits in (edit.changes or {}).items():
        out.setdefault(uri, []).extend(e.range for e in edits)
    for doc in edit.document_changes or []:
        if isinstance(doc, types.TextDocumentEdit):
            out.setdefault(doc.text_document.uri, []).extend(e.range for e in doc.edits)
    return out


async def test_an_error_typed_is_published_at_its_range_and_the_fix_clears_it(
    client: LanguageClient, lab: pathlib.Path
):
    uri = open_file(client, lab / "apps" / "web.lab")
    # `2` (character 41) becomes the string `"x"`: the template's `replicas` is an int.
    change(client, uri, 2, rng((INSTANCE_LINE, 41), (INSTANCE_LINE, 42)), '"x"')
    diags = await diagnostics_until(client, uri, lambda d: len(d) > 0)
    assert len(diags) == 1, diags
    d = diags[0]
    assert d.code == "E0301"
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.range == rng((INSTANCE_LINE, 41), (INSTANCE_LINE, 44))
    assert d.code_description.href.endswith("docs/errors.md#e0301"), d.code_description
    assert "int" in d.message, d.message
    change(client, uri, 3, rng((INSTANCE_LINE, 41), (INSTANCE_LINE, 44)), "3")
    await diagnostics_until(client, uri, lambda d: len(d) == 0)


async def test_definition_of_a_template_and_a_cluster(client: LanguageClient, lab: pathlib.Path):
    web = lab / "apps" / "web.lab"
    uri = open_file(client, web)
    # `web` of `instance shop = web`: the template's name on line 1.
    got = await definition(client, uri, INSTANCE_LINE, 17)
    got = got[0] if isinstance(got, list) else got
    assert got.uri == uri
    assert got.range == rng((1, 9), (1, 12))
    # `home` after `on`: the cluster in lab.lab.
    got = await definition(client, uri, INSTANCE_LINE, 25)
    got = got[0] if isinstance(got, list) else got
    assert got.uri == (lab / "lab.lab").as_uri()
    assert got.range == rng((7, 8), (7, 12))
    # Nothing under the cursor: nothing.
    assert await definition(client, uri, 0, 0) is None


async def test_hover_of_a_template_and_its_parameter(client: LanguageClient, lab: pathlib.Path):
    uri = open_file(client, lab / "apps" / "web.lab")
    assert "template web" in await hover_text(client, uri, INSTANCE_LINE, 17)
    text = await hover_text(client, uri, INSTANCE_LINE, 32)
    assert "replicas: int = 1" in text, text


async def test_completion_offers_the_cluster_after_on(client: LanguageClient, lab: pathlib.Path):
    require(client, "completion_provider")
    uri = open_file(client, lab / "apps" / "web.lab")
    # At `home` after `on`: the lab's clusters are offered.
    labels = await completion_labels(client, uri, INSTANCE_LINE, 23)
    assert "home" in labels, labels


async def test_rename_of_a_template_changes_its_declaration_and_its_use(
    client: LanguageClient, lab: pathlib.Path
):
    require(client, "rename_provider")
    uri = open_file(client, lab / "apps" / "web.lab")
    edit = await rename(client, uri, 1, 10, "webapp")
    assert edit is not None
    ranges = edits_by_uri(edit)
    assert rng((1, 9), (1, 12)) in ranges.get(uri, []), ranges
    assert rng((INSTANCE_LINE, 16), (INSTANCE_LINE, 19)) in ranges.get(uri, []), ranges
