// English and Welsh in the field app (docs/TRANSLATING.md, "The field app").
//
// English is the source: the English text is the message id, as on the server, and the
// Welsh catalogue (pwa/i18n/cy.json, precached with the shell) maps each id to its Welsh.
// Scripts call t("Sending {n} of {m}…", { n, m }). The static markup of index.html is
// translated by a walk (`translatePage`) that `peerkit/i18n_field.py` mirrors exactly when it
// extracts the ids: every element with text of its own is one message, its child elements
// that hold text become {placeholders} (`{device}` for the device word, else the child's id).
//
// It imports nothing, so any module (vault.js, recipient-code.js) can use `t`. Which language
// a phone shows is decided in app.js. Stored codes never change with the language.

export const LANGUAGES = { en: "English", cy: "Cymraeg" };
// Attributes people read or hear, translated with the text.
const ATTRIBUTES = ["aria-label", "placeholder", "title"];
const SKIP = new Set(["SCRIPT", "STYLE", "TEMPLATE"]);

let language = "en";
let catalogue = {};
// The English of each node the walk translated, so switching back (or again) starts from it.
const englishText = new WeakMap();
const englishAttributes = new WeakMap();
const listeners = [];

/** The message `id` in the phone's language, with each {name} replaced by `values[name]`. */
export function t(id, values = {}) {
  const text = (language !== "en" && catalogue[id]) || id;
  return text.replace(/\{([\w-]+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** The language in force: "en" or "cy". */
export function currentLanguage() {
  return language;
}

/** The BCP 47 locale for dates and numbers: "cy-GB" or "en-GB". */
export function dateLocale() {
  return language === "cy" ? "cy-GB" : "en-GB";
}

/** The first of the browser's languages that the app speaks, else English. */
export function browserLanguage() {
  for (const tag of navigator.languages || [navigator.language || ""]) {
    const code = tag.toLowerCase().split("-")[0];
    if (code in LANGUAGES) return code;
  }
  return "en";
}

/** Load the catalogue of `code` (from the worker's cache when offline) and translate the page. */
export async function useLanguage(code) {
  const wanted = code in LANGUAGES ? code : "en";
  catalogue = wanted === "en" ? {} : await (await fetch(`/static/i18n/${wanted}.json`)).json();
  language = wanted;
  document.documentElement.lang = dateLocale();
  translatePage(document.body);
  for (const listener of listeners) listener(language);
}

/** Call `listener` after every change of language (screens re-render their own text). */
export function onLanguageChange(listener) {
  listeners.push(listener);
}

/** The message id of an element's own text, and the children it names as placeholders. */
function messageOf(element) {
  let id = "";
  let ownText = false;
  const slots = [];
  for (const node of element.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      id += node.data;
      if (node.data.trim()) ownText = true;
    } else if (node.nodeType === Node.ELEMENT_NODE && node.textContent.trim()) {
      const name = "device" in node.dataset ? "device" : node.id;
      if (!name) return null;  // text in an unnamed child: that child is its own message
      id += `{${name}}`;
      slots.push([name, node]);
    }
  }
  id = id.replace(/\s+/g, " ").trim();
  return ownText && /[A-Za-z]/.test(id.replace(/\{[\w-]+\}/g, "")) ? { id, slots } : null;
}

/** Translate the text and attributes under `root` into the language in force. */
export function translatePage(root) {
  for (const element of [root, ...root.querySelectorAll("*")]) {
    if (SKIP.has(element.tagName) || element.closest("[data-i18n-skip]")) continue;
    for (const attribute of ATTRIBUTES) {
      if (!element.hasAttribute(attribute)) continue;
      const english = englishAttributes.get(element)?.[attribute] ?? element.getAttribute(attribute);
      englishAttributes.set(element, { ...englishAttributes.get(element), [attribute]: english });
      element.setAttribute(attribute, t(english));
    }
    const remembered = englishText.get(element);
    // Text a screen wrote since ("Online") is the screen's to translate. Only the element's
    // own text counts: its named children (a count, the device word) change on their own.
    if (remembered && remembered.shown !== ownText(element)) englishText.delete(element);
    const message = (remembered && englishText.has(element)) ? remembered : messageOf(element);
    if (!message) continue;
    rebuild(element, message);
    englishText.set(element, { ...message, shown: ownText(element) });
  }
}

function ownText(element) {
  return [...element.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE)
    .map((node) => node.data).join("");
}

/** Replace an element's own text with the translation of `message`, keeping its children
 * (inputs first, as in the markup; named children where the translation puts them). */
function rebuild(element, { id, slots }) {
  const kept = [...element.childNodes].filter((node) => node.nodeType === Node.ELEMENT_NODE
    && !slots.some(([, slot]) => slot === node));
  const waiting = slots.map(([name, node]) => [name, node]);
  const nodes = [];
  const translated = (language !== "en" && catalogue[id]) || id;
  for (const [index, piece] of translated.split(/\{([\w-]+)\}/).entries()) {
    if (index % 2 === 0) {
      if (piece) nodes.push(document.createTextNode(piece));
      continue;
    }
    const at = waiting.findIndex(([name]) => name === piece);
    if (at >= 0) nodes.push(waiting.splice(at, 1)[0][1]);
  }
  // An input inside a label comes before its words: keep the space between them.
  if (kept.length && nodes.length && nodes[0].nodeType === Node.TEXT_NODE) nodes[0].data = ` ${nodes[0].data}`;
  element.replaceChildren(...kept, ...nodes);
}
