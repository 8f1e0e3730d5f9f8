// What the screens share: the DOM helper, the broadcast channel, dates, showing a screen,
// kits in hand and how a saved record is described.
import { getMeta, outboxEntries, setMeta } from "../db.js";

export const $ = (selector, root = document) => root.querySelector(selector);
export const channel = "BroadcastChannel" in window ? new BroadcastChannel("peerkit") : null;
export const DAY_MS = 24 * 60 * 60 * 1000;

// A counter PC at a pharmacy is not a phone, and cannot be added to a home screen.
export const PHONE = matchMedia("(pointer: coarse)").matches;
export const DEVICE = PHONE ? "phone" : "computer";

export const today = () => {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
};
export const ukDate = (iso) => (iso ? new Date(iso).toLocaleDateString("en-GB") : "–");
export const ukDateTime = (iso) => (iso ? new Date(iso).toLocaleString("en-GB", {
  day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }) : "never");


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
  return `${reason} Supplies you record now are kept, and held for your coordinator to review: ask them for a sign-off.`;
}

export const FORMS = { supply: "#form-supply", training: "#form-training", use: "#form-use",
                stock: "#form-stock", report: "#form-report" };

export const KIND_SCREEN = { kit_supply: "supply", training_session: "training", naloxone_use_report: "use",
                      stock_movement: "stock", field_report: "report" };
export const KIND_LABEL = { kit_supply: "Kit supply", training_session: "Training", naloxone_use_report: "Use report",
                     consent: "Consent", stock_movement: "Kits returned or reported", consent_withdrawal: "Consent withdrawal",
                     transfer_receipt: "Kits received", discard_notice: "Discard notice" };

/** What a saved record is, in the words of the form, without anything identifying. */
export function describe(kind, d) {
  const vocab = (name, code) => ((lastSnapshot.vocabularies || {})[name] || {})[code] || code;
  if (kind === "kit_supply") {
    const what = `${d.supply_type === "repeat" ? "Repeat" : "First"} supply of ${d.quantity} kit${d.quantity === 1 ? "" : "s"}`;
    return [what, d.recipient_code ? "to someone recognised next time" : null, `on ${ukDate(d.supplied_on)}`].filter(Boolean).join(", ");
  }
  if (kind === "training_session") return `Training on ${ukDate(d.session_date)}`;
  if (kind === "naloxone_use_report") return `Use report on ${ukDate(d.used_on)} (${vocab("use_outcomes", d.outcome)})`;
  if (kind === "stock_movement") return `${d.quantity} kit${d.quantity === 1 ? "" : "s"} ${vocab("stock_movement_kinds", d.kind).toLowerCase()}, ${ukDate(d.moved_on)}`;
  if (kind === "transfer_receipt") return `Kits received: ${d.quantity_received}`;
  return KIND_LABEL[kind] || kind;
}
let lastSnapshot = {};
/** Home keeps the snapshot it showed, so `describe` names vocabulary terms without a read. */
export function setLastSnapshot(snapshot) { lastSnapshot = snapshot; }

/** Saved: say what, and keep saying it until the person taps OK (sync news goes elsewhere). */
export async function confirmSaved(what) {
  await setMeta({ savedConfirmation: `Saved: ${what}.` });
}
