// A pseudonymous recipient code, made on the phone. The initials, date of birth and sex
// go into a slow key derivation with the area's salt and are then forgotten: they are
// never stored or sent. See docs/SECURITY.md for what reversing one code costs.
import { t } from "./i18n.js";

// About 0.3 s on a mid-range phone (bench/recipient_code.py measures it). There are only
// about 74 million possible inputs, so the cost of each guess is the whole protection:
// raise it as phones get faster, with a new version prefix.
export const ITERATIONS = 600000;
export const VERSION = "v2-";

function normalise(initials, dob, sex) {
  const letters = (initials || "").toUpperCase().replace(/[^A-Z]/g, "");
  if (letters.length !== 2) throw new Error(t("Enter two initials, first and last name."));
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dob || "")) throw new Error(t("Enter the date of birth."));
  if (!["F", "M", "X"].includes(sex)) throw new Error(t("Choose the sex."));
  return `${letters}|${dob}|${sex}`;
}

/**
 * "v2-" + 32 hex characters of PBKDF2-SHA-256(initials | dob | sex, salt, ITERATIONS).
 * Codes made before version 2 ("rc_" + SHA-256) stay valid data; they are not comparable
 * with v2 codes, so a recipient seen before and after the change counts as two.
 */
export async function recipientCode(salt, initials, dob, sex) {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw", encoder.encode(normalise(initials, dob, sex)), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: encoder.encode(salt), iterations: ITERATIONS },
    key, 128);
  const hex = Array.from(new Uint8Array(bits), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${VERSION}${hex}`;
}

/**
 * The version-1 code ("rc_" + 20 hex characters of SHA-256(salt | initials | dob | sex)),
 * never made for new records: only to find a person's older records, e.g. to erase them
 * when they withdraw consent.
 */
export async function legacyRecipientCode(salt, initials, dob, sex) {
  const input = new TextEncoder().encode(`${salt}|${normalise(initials, dob, sex)}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", input));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  return `rc_${hex.slice(0, 20)}`;
}
