// Sealing a record for the outbox: encrypted to the server's public key, so a queued record
// can be sent with the app locked but cannot be read on the phone (not even with the PIN).
//
// The scheme is the API contract (docs/API.md, "Sealed records"): an ephemeral ECDH P-256
// key pair per record, agreed with the server's key; HKDF-SHA-256 (empty salt, info
// "peerkit-seal-v1") to an AES-256-GCM key; the record's kind and id as additional data, so
// a sealed body cannot be relabelled as another record.

const encoder = new TextEncoder();
const INFO = encoder.encode("peerkit-seal-v1");

/** base64url without padding, as the contract writes bytes. */
export function toBase64Url(buffer) {
  return btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64Url(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

/**
 * Seal `data` (the object a push record's `data` would be) for record `kind`/`id` to the
 * server's sealing key `{ kid, public_key }` (from enrolment or the last pull). Returns the
 * push record's `sealed` object: { kid, epk, iv, ct }.
 */
export async function seal(sealingKey, kind, id, data) {
  const server = await crypto.subtle.importKey("raw", fromBase64Url(sealingKey.public_key),
    { name: "ECDH", namedCurve: "P-256" }, false, []);
  // The private half is not extractable and is dropped after this record: only the server
  // can open what it sealed.
  const ephemeral = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" },
    false, ["deriveBits"]);
  const shared = await crypto.subtle.deriveBits({ name: "ECDH", public: server },
    ephemeral.privateKey, 256);
  const hkdf = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: INFO },
    hkdf, { name: "AES-GCM", length: 256 }, false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(`${kind}\n${id}`) },
    key, encoder.encode(JSON.stringify(data)));
  const epk = await crypto.subtle.exportKey("raw", ephemeral.publicKey);  // 65 bytes, uncompressed
  return { kid: sealingKey.kid, epk: toBase64Url(epk), iv: toBase64Url(iv), ct: toBase64Url(ct) };
}
