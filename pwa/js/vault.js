// The phone's data key, unlocked by the person's PIN, and encryption with it.
//
// Everything the phone keeps to show or fix (its own records, notices, Needs attention,
// the recipient-code salt, notes of people recognised, kits in hand, drafts) is stored
// encrypted with one random AES-256-GCM data key. The key is stored only wrapped (encrypted)
// with a key derived from the PIN, and lives unwrapped only in this module's memory: locking
// forgets it. The sealed outbox (seal.js) does not need it, so records still send while the
// app is locked. This module keeps no storage of its own (lock.js and db.js do).
import { t } from "./i18n.js";

// PBKDF2-SHA-256 iterations for the PIN. The phone unlocks many times a day (after every
// 5 minutes unused), so this must stay well under a second on a cheap phone: the recipient
// code's 600,000 take about 0.3 s on a mid-range phone (bench/recipient_code.py), so 200,000
// take about 0.1 s there and about 0.3 s on a phone three times slower. It is not what
// protects a 6-digit PIN against someone who copies the phone's files (a million PINs are
// quickly tried on a graphics card at any cost a phone can bear): the app's 10-tries wipe
// protects against someone using the phone, and a longer PIN against the copied files
// (docs/FIELD-APP.md says so). Stored with the wrapped key, so it can be raised later.
export const ITERATIONS = 200000;
export const MIN_PIN_LENGTH = 6;

let dataKey = null;  // the unwrapped data key: in memory only, forgotten on lock

export class WrongPin extends Error {}
export class Locked extends Error {}

const encoder = new TextEncoder();

/** True while the data key is in memory. */
export const isUnlocked = () => dataKey !== null;

/** Forget the data key (lock). */
export function lock() { dataKey = null; }

/** A plain-words reason the PIN is not acceptable, or null. */
export function pinProblem(pin) {
  if (!/^\d+$/.test(pin || "")) return t("Use numbers only.");
  if (pin.length < MIN_PIN_LENGTH) return t("Use {n} numbers or more.", { n: MIN_PIN_LENGTH });
  return null;
}

async function pinKey(pin, salt, iterations) {
  const material = await crypto.subtle.importKey("raw", encoder.encode(pin), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt, iterations },
    material, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

/** Make a new data key, keep it in memory (unlocked) and return it wrapped with the PIN:
 * { salt, iterations, iv, wrapped } for lock.js to store. */
export async function create(pin) {
  const problem = pinProblem(pin);
  if (problem) throw new Error(problem);
  const raw = crypto.getRandomValues(new Uint8Array(32));
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const wrapped = await crypto.subtle.encrypt({ name: "AES-GCM", iv },
    await pinKey(pin, salt, ITERATIONS), raw);
  // Not extractable: even code running in the page cannot read the key's bytes back.
  dataKey = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  raw.fill(0);
  return { salt, iterations: ITERATIONS, iv, wrapped };
}

/** Unwrap the data key with the PIN; a wrong PIN fails AES-GCM's check (WrongPin). */
export async function unlock(pin, stored) {
  let raw;
  try {
    raw = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: stored.iv },
      await pinKey(pin || "", stored.salt, stored.iterations), stored.wrapped));
  } catch {
    throw new WrongPin("Wrong PIN.");
  }
  dataKey = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  raw.fill(0);
}

/** Encrypt any JSON value with the data key: { iv, ct } (bytes, as IndexedDB stores them). */
export async function encrypt(value) {
  if (!dataKey) throw new Locked("PeerKit is locked.");
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, dataKey,
    encoder.encode(JSON.stringify(value)));
  return { iv, ct };
}

/** The value encrypt() was given. */
export async function decrypt(box) {
  if (!dataKey) throw new Locked("PeerKit is locked.");
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: box.iv }, dataKey, box.ct);
  return JSON.parse(new TextDecoder().decode(plain));
}

/** Encrypt to a string (base64), for sessionStorage drafts. */
export async function encryptText(value) {
  const { iv, ct } = await encrypt(value);
  const bytes = new Uint8Array(12 + ct.byteLength);
  bytes.set(iv);
  bytes.set(new Uint8Array(ct), 12);
  return btoa(String.fromCharCode(...bytes));
}

/** The value encryptText() was given. */
export async function decryptText(text) {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return decrypt({ iv: bytes.slice(0, 12), ct: bytes.slice(12) });
}
