"""The field app's message ids, and its Welsh catalogue `pwa/i18n/cy.json` (`make messages`).

The ids are read exactly where the app translates them (pwa/js/i18n.js):
- the static markup of `pwa/index.html`, by the same walk as `translatePage`: every element
  under <body> with text of its own is one message; its child elements that hold text become
  placeholders (`{device}` for `data-device`, else `{<id>}`); whitespace is collapsed; the
  attributes aria-label, placeholder and title, and `data-empty` (a select's empty choice,
  which the scripts pass to `t`);
- every `t("...")` call in `pwa/js/` (one double-quoted literal per call, never built);
- every vocabulary label the pull snapshot sends (`peerkit.vocab.ALL`): the phone shows them
  offline in its own language, so their Welsh comes from the server's catalogue when the
  field catalogue has none yet, and both say the same.

Run `python -m peerkit.i18n_field`: it adds new ids (Welsh from the server's catalogue, else
empty, to be translated), drops ids no longer used, keeps every translation, and prints what
still needs Welsh. `tests/test_i18n_field.py` fails while any id has none.
"""

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

from . import vocab

ROOT = Path(__file__).resolve().parent.parent
PWA = ROOT / "pwa"
CATALOGUE = PWA / "i18n" / "cy.json"
SERVER_PO = Path(__file__).resolve().parent / "translations" / "cy" / "LC_MESSAGES" / "messages.po"

# As in pwa/js/i18n.js: attributes translated by the walk, and elements it skips.
ATTRIBUTES = ("aria-label", "placeholder", "title")
SCRIPT_ATTRIBUTES = ("data-empty",)
SKIP = {"script", "style", "template"}
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
PLACEHOLDER = re.compile(r"\{([\w-]+)\}")
T_CALL = re.compile(r'(?<![\w$.])t\(\s*"((?:[^"\\\n]|\\.)*)"')


class _Element:
    def __init__(self, tag: str, attrs: dict, parent: "_Element | None"):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list = []  # strings (text) and _Element

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        yield self
        for child in self.children:
            if isinstance(child, _Element):
                yield from child.walk()


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = _Element(tag, dict(attrs), self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def message_of(element: _Element) -> str | None:
    """The id `messageOf` in pwa/js/i18n.js gives this element, or None."""
    parts, own_text = [], False
    for child in element.children:
        if isinstance(child, str):
            parts.append(child)
            own_text = own_text or bool(child.strip())
        elif child.text().strip():
            name = "device" if "data-device" in child.attrs else child.attrs.get("id")
            if not name:
                return None
            parts.append("{" + name + "}")
    message = re.sub(r"\s+", " ", "".join(parts)).strip()
    if own_text and re.search(r"[A-Za-z]", PLACEHOLDER.sub("", message)):
        return message
    return None


def markup_ids(html: str) -> set[str]:
    """Every id the walk translates in this page's <body>."""
    builder = _TreeBuilder()
    builder.feed(html)
    body = next((e for e in builder.root.walk() if e.tag == "body"), builder.root)
    ids = set()
    for element in body.walk():
        if _skipped(element):
            continue
        for attribute in ATTRIBUTES + SCRIPT_ATTRIBUTES:
            if element.attrs.get(attribute):
                ids.add(element.attrs[attribute])
        message = message_of(element)
        if message:
            ids.add(message)
    return ids


def _skipped(element: _Element) -> bool:
    node = element
    while node is not None:
        if node.tag in SKIP or "data-i18n-skip" in node.attrs:
            return True
        node = node.parent
    return False


def script_ids(source: str) -> set[str]:
    """The literal ids of every t("...") call in a script."""
    return {json.loads(f'"{literal}"') for literal in T_CALL.findall(source)}


def vocabulary_ids() -> set[str]:
    """The English labels of every vocabulary the pull snapshot sends."""
    return {str(label) for terms in vocab.ALL.values() for label in terms.values()}


def field_message_ids(pwa: Path = PWA) -> set[str]:
    """Every message id the field app can show."""
    ids = markup_ids((pwa / "index.html").read_text(encoding="utf-8"))
    for script in sorted((pwa / "js").rglob("*.js")):
        ids |= script_ids(script.read_text(encoding="utf-8"))
    return ids | vocabulary_ids()


def server_welsh() -> dict[str, str]:
    """The server catalogue's Welsh, by id (complete entries only)."""
    with SERVER_PO.open("rb") as po_file:
        catalogue = read_po(po_file, locale="cy")
    return {
        m.id: m.string
        for m in catalogue
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


def update_catalogue(path: Path = CATALOGUE) -> list[str]:
    """Bring `path` up to date with the ids in use; returns the ids still without Welsh."""
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    server = server_welsh()
    catalogue = {i: old.get(i) or server.get(i, "") for i in sorted(field_message_ids())}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(catalogue, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return [i for i, welsh in catalogue.items() if not welsh]


if __name__ == "__main__":
    missing = update_catalogue()
    for message in missing:
        print(f"needs Welsh: {message}")
    print(
        f"{CATALOGUE.relative_to(ROOT)}: {len(missing)} message(s) without Welsh.", file=sys.stderr
    )
