// A returning person, recognised on this phone without keeping who they are.
//
// When a supply is saved with a recipient code (their consent on record), the phone keeps
// a note under a hash of that code: the consent's id, their postcode district and who the
// kit was for. The next time the same initials, date of birth and sex make the same code,
// the supply form needs no second consent and fills in the district. The note holds no
// initials, date of birth or code; it is forgotten when the consent is withdrawn.
import { getMeta, setMeta } from "./db.js";

const NOTES = "returningPeople";
const REASONS = "repeatReasonCounts";

async function noteKey(code) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(code));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The note kept for this code, or null if this phone has not supplied them with consent. */
export async function lookUp(code) {
  const notes = await getMeta(NOTES, {});
  return notes[await noteKey(code)] || null;
}

/** Remember a supply made with this code (its consent, district and category). */
export async function remember(code, note) {
  const notes = await getMeta(NOTES, {});
  notes[await noteKey(code)] = { ...note, on: new Date().toISOString().slice(0, 10) };
  await setMeta({ [NOTES]: notes });
}

/** Consents withdrawn: forget every note that relied on them. */
export async function forget(consentIds) {
  if (!consentIds.length) return;
  const gone = new Set(consentIds);
  const notes = await getMeta(NOTES, {});
  for (const [key, note] of Object.entries(notes)) if (gone.has(note.consentId)) delete notes[key];
  await setMeta({ [NOTES]: notes });
}

/** Count a repeat reason used on this phone, so the most used come first. */
export async function countReason(reason) {
  const counts = await getMeta(REASONS, {});
  counts[reason] = (counts[reason] || 0) + 1;
  await setMeta({ [REASONS]: counts });
}

export const reasonCounts = () => getMeta(REASONS, {});
