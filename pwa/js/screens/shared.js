// What the screens share: the DOM helper, the broadcast channel, dates, showing a screen,
// kits in hand and how a saved record is described.
import { getMeta, outboxEntries, setMeta } from "../db.js";
import { dateLocale, t } from "../i18n.js";

export const $ = (selector, root = document) => root.querySelector(selector);
export const channel = "BroadcastChannel" in window ? new BroadcastChannel("peerkit") : null;
export const DAY_MS = 24 * 60 * 60 * 1000;

// A counter PC at a pharmacy is not a phone, and cannot be added to a home screen.
export const PHONE = matchMedia("(pointer: coarse)").matches;
export const DEVICE = PHONE ? "phone" : "computer";
/** The device word in the phone's language, for "{device}" in a message. */
export const deviceWord = () => (PHONE ? t("phone") : t("computer"));

export const today = () => {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
};
// UK dates in the phone's language: "30/11/2026" in both, "30 Nov, 23:05" or "30 Tach, 23:05".
// Some browsers carry no Welsh locale data (Chromium then writes "2026-11-30" and "M11"), so
// without it the digits come from en-GB (the same in Welsh) and month names from the catalogue.
const NATIVE = () => Intl.DateTimeFormat.supportedLocalesOf([dateLocale()]).length > 0;
const MONTHS = () => [t("Jan"), t("Feb"), t("Mar"), t("Apr"), t("May"), t("Jun"), t("Jul"), t("Aug"),
                      t("Sep"), t("Oct"), t("Nov"), t("Dec")];
export const ukDate = (iso) => (iso ? new Date(iso).toLocaleDateString(NATIVE() ? dateLocale() : "en-GB") : "–");
export const ukDateTime = (iso) => {
  if (!iso) return t("never");
  const when = new Date(iso);
  if (NATIVE()) {
    return when.toLocaleString(dateLocale(), { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  }
  const time = when.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  return `${when.getDate()} ${MONTHS()[when.getMonth()]}, ${time}`;
};


export function show(name) {
  for (const section of document.querySelectorAll("[data-screen]")) {
    section.hidden = section.dataset.screen !== name;
  }
  const heading = $(`[data-screen="${name}"] h1`);
  if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
  window.scrollTo(0, 0);
}

export async function kitsInHand() {
  const snapshot = await getMeta("snapshot", {});
  const kits = new Map((snapshot.stock_in_hand || []).map((k) => [k.batch_id, { ...k }]));
  // Supplies still on the phone have left the bag already: count them down offline.
  for (const entry of await outboxEntries()) {
    if (!["kit_supply", "stock_movement"].includes(entry.kind)) continue;
    const kit = kits.get(entry.record.data.batch_id);
    if (kit) kit.quantity -= entry.record.data.quantity || 0;
  }
  return [...kits.values()].sort((a, b) => a.expiry_date.localeCompare(b.expiry_date));
}

/** A kit handed out is still recorded, but held: say so, and why. */
export function heldSupplies(reason) {
  return t("{reason} Supplies you record now are kept, and held for your coordinator to review: ask them for a sign-off.", { reason });
}

export const FORMS = { supply: "#form-supply", training: "#form-training", use: "#form-use",
                stock: "#form-stock", report: "#form-report" };

export const KIND_SCREEN = { kit_supply: "supply", training_session: "training", naloxone_use_report: "use",
                      stock_movement: "stock", field_report: "report" };
/** What a kind of record is called, in the phone's language. */
export function kindLabel(kind) {
  const labels = { kit_supply: t("Kit supply"), training_session: t("Training"), naloxone_use_report: t("Use report"),
                   consent: t("Consent"), stock_movement: t("Kits returned or reported"),
                   consent_withdrawal: t("Consent withdrawal"), transfer_receipt: t("Kits received"),
                   discard_notice: t("Discard notice"), field_report: t("Suspected bad batch") };
  return labels[kind] || kind;
}

/** The label of a stored vocabulary code, from the snapshot, in the phone's language. */
export function vocabLabel(snapshot, name, code) {
  return t(((snapshot.vocabularies || {})[name] || {})[code] || code);
}

/** What a saved record is, in the words of the form, without anything identifying. */
export function describe(kind, d) {
  const vocab = (name, code) => vocabLabel(lastSnapshot, name, code);
  const values = { n: d.quantity, date: ukDate(d.supplied_on) };
  if (kind === "kit_supply") {
    // Whole sentences per case: word order differs in Welsh.
    const first = d.quantity === 1 ? t("First supply of {n} kit, on {date}", values) : t("First supply of {n} kits, on {date}", values);
    const repeat = d.quantity === 1 ? t("Repeat supply of {n} kit, on {date}", values) : t("Repeat supply of {n} kits, on {date}", values);
    const what = d.supply_type === "repeat" ? repeat : first;
    return d.recipient_code ? t("{what}, to someone recognised next time", { what }) : what;
  }
  if (kind === "training_session") return t("Training on {date}", { date: ukDate(d.session_date) });
  if (kind === "naloxone_use_report") return t("Use report on {date} ({outcome})", { date: ukDate(d.used_on), outcome: vocab("use_outcomes", d.outcome) });
  if (kind === "stock_movement") {
    const movement = { n: d.quantity, what: vocab("stock_movement_kinds", d.kind).toLowerCase(), date: ukDate(d.moved_on) };
    return d.quantity === 1 ? t("{n} kit {what}, {date}", movement) : t("{n} kits {what}, {date}", movement);
  }
  if (kind === "transfer_receipt" && d.expected !== undefined) {
    return t("{n} of {m} kits received ({kit})", { n: d.quantity_received, m: d.expected, kit: d.kit });
  }
  if (kind === "transfer_receipt") return t("Kits received: {n}", { n: d.quantity_received });
  return kindLabel(kind);
}
/** True once a pull has brought the snapshot: the choices, kits in hand and the
 * recipient-code salt every form is made from. */
export const fetched = (snapshot) => Boolean(snapshot && snapshot.vocabularies);

let lastSnapshot = {};
/** Home keeps the snapshot it showed, so `describe` names vocabulary terms without a read. */
export function setLastSnapshot(snapshot) { lastSnapshot = snapshot; }

// The fields `describe` reads: all a saved confirmation keeps.
const DESCRIBED = ["quantity", "supplied_on", "supply_type", "recipient_code", "session_date", "used_on",
  "outcome", "kind", "moved_on", "quantity_received", "expected", "kit"];

/** Saved: say what, and keep saying it until the person taps OK (sync news goes elsewhere).
 * What is kept is the record's kind and fields (encrypted, like every private meta row), not
 * the sentence, so the confirmation follows a change of language made before OK. */
export async function confirmSaved(kind, data) {
  // Only what `describe` reads; of the recipient code, only whether there is one.
  const kept = Object.fromEntries(DESCRIBED.filter((key) => data[key] !== undefined)
    .map((key) => [key, key === "recipient_code" ? Boolean(data[key]) : data[key]]));
  await setMeta({ savedConfirmation: { kind, data: kept } });
}

/** The confirmation's sentence in the phone's language now. */
export function savedSentence(saved) {
  if (!saved) return "";
  // A sentence kept by an app from before this change: shown as it was written.
  if (typeof saved === "string") return saved;
  return t("Saved: {what}.", { what: describe(saved.kind, saved.data) });
}
