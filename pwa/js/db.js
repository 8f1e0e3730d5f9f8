// The phone's own storage (IndexedDB): records waiting to be sent, and what the app knows.
//
// A saved record and its outbox entry are written in ONE transaction with no other await
// inside it (IndexedDB commits a transaction as soon as it has nothing left to do), so a
// record can never exist without its outbox entry or the other way round. Encrypting and
// sealing happen before the transaction starts, for the same reason.
//
// Two kinds of protection (docs/FIELD-APP.md, "What is on the phone"):
// - the outbox entry carries the record SEALED to the server's public key (seal.js): it can
//   be sent with the app locked, and cannot be read on the phone, even with the PIN;
// - the phone's own copy (to show, count and fix), the notices kept after sending and the
//   private meta rows below are ENCRYPTED with the data key (vault.js), unlocked by the PIN.
// What stays in clear says nothing about anyone: ids, kinds, dates queued, the server's
// answers (its status words and reasons, never what was typed), the device token, the sync
// cursor, the server's public keys, and reference lists (products, sites, batches, alerts).
import { t } from "./i18n.js";
import { seal } from "./seal.js";
import { decrypt, encrypt, isUnlocked, lock } from "./vault.js";

const DB_NAME = "peerkit";
const DB_VERSION = 2;
const SENT_KEPT = 50;  // held records and warnings shown on the phone, newest first
let opening = null;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("Storage transaction aborted"));
  });
}

export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = (event) => {
        const db = request.result;
        if (event.oldVersion < 1) {
          db.createObjectStore("records", { keyPath: "id" });  // the record itself
          db.createObjectStore("outbox", { keyPath: "id" });   // its place in the queue
          db.createObjectStore("meta", { keyPath: "key" });    // token, cursor, reference data
        }
        // Version 2: what the server kept but held, or answered with a warning. A summary
        // only (never a recipient code), so the person can see what happened to a kit.
        if (event.oldVersion < 2) db.createObjectStore("sent", { keyPath: "id" });
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab upgrading or wiping: let it, and reopen next time.
        db.onversionchange = () => { db.close(); opening = null; };
        resolve(db);
      };
      request.onerror = () => { opening = null; reject(request.error); };
      request.onblocked = () => reject(new Error("Close other PeerKit tabs and try again."));
    });
  }
  return opening;
}

// Meta rows that say something about people (the snapshot holds the recipient-code salt,
// the person's name and kits in hand; the notes recognise returning people): encrypted.
const PRIVATE_META = new Set(["snapshot", "user", "returningPeople", "lastChoices",
  "savedConfirmation"]);

export async function getMeta(key, fallback = null) {
  const db = await openDb();
  const row = await promised(db.transaction("meta").objectStore("meta").get(key));
  if (row && row.secret) return decrypt(row.secret);  // locked: throws Locked
  return row && row.value !== undefined ? row.value : fallback;
}

export async function setMeta(entries) {
  const rows = [];
  for (const [key, value] of Object.entries(entries)) {
    rows.push(PRIVATE_META.has(key) && value !== null ? { key, secret: await encrypt(value) }
      : { key, value });
  }
  const db = await openDb();
  const tx = db.transaction("meta", "readwrite");
  for (const row of rows) tx.objectStore("meta").put(row);
  return done(tx);
}

/** Encrypt each record's data for the phone's copy and seal it for the outbox, before any
 * transaction starts. Without the server's key yet (a server older than sealing), the entry
 * is sealed when it is sent, with the app unlocked. */
async function prepare(records) {
  const sealingKey = await getMeta("sealingKey");
  const out = [];
  for (const { id = crypto.randomUUID(), kind, data } of records) {
    out.push({ id, kind, secret: await encrypt(data),
               sealed: sealingKey ? await seal(sealingKey, kind, id, data) : null });
  }
  return out;
}

function queue(tx, { id, kind, secret, sealed }, now) {
  tx.objectStore("records").put({ id, kind, secret, savedAt: now });
  tx.objectStore("outbox").put({ id, kind, sealed, state: "queued", queuedAt: now, answer: null });
}

/** Save records and queue them for sending, all in one transaction. */
export async function saveRecords(records) {
  const prepared = await prepare(records);
  const db = await openDb();
  const tx = db.transaction(["records", "outbox"], "readwrite");
  const now = new Date().toISOString();
  for (const record of prepared) queue(tx, record, now);
  await done(tx);
}

/** A stored record's data: encrypted, or in clear if an older version stored it. */
const readable = async (record) => (record.secret ? decrypt(record.secret) : record.data || {});

/** Every outbox entry with its record, oldest first (needs the app unlocked). */
export async function outboxEntries() {
  const db = await openDb();
  const tx = db.transaction(["records", "outbox"]);
  const [records, entries] = await Promise.all([
    promised(tx.objectStore("records").getAll()),
    promised(tx.objectStore("outbox").getAll()),
  ]);
  const byId = new Map(records.map((r) => [r.id, r]));
  const out = [];
  for (const e of entries) {
    const record = byId.get(e.id);
    if (!record) continue;
    out.push({ ...e, record: { id: record.id, kind: record.kind, savedAt: record.savedAt,
                               data: await readable(record) } });
  }
  return out.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
}

/** How many records have not reached the server: { queued, attention } (works locked). */
export async function outboxCounts() {
  const db = await openDb();
  const entries = await promised(db.transaction("outbox").objectStore("outbox").getAll());
  return { queued: entries.filter((e) => e.state === "queued").length,
           attention: entries.filter((e) => e.state === "attention").length };
}

/** The push records to send, oldest first: each entry's sealed record, so sending works
 * with the app locked. Entries queued by an older version send their plain data; entries
 * saved before the phone had the server's key are sealed now, or wait for an unlock. */
export async function sendable() {
  const db = await openDb();
  const tx = db.transaction(["records", "outbox"]);
  const [records, entries] = await Promise.all([
    promised(tx.objectStore("records").getAll()),
    promised(tx.objectStore("outbox").getAll()),
  ]);
  const byId = new Map(records.map((r) => [r.id, r]));
  const sealingKey = await getMeta("sealingKey");
  const out = [];
  for (const e of entries.filter((x) => x.state === "queued").sort((a, b) => a.queuedAt.localeCompare(b.queuedAt))) {
    if (e.sealed) { out.push({ kind: e.kind, id: e.id, sealed: e.sealed }); continue; }
    const record = byId.get(e.id);
    if (!record || (record.secret && !isUnlocked())) continue;
    const data = await readable(record);
    out.push(sealingKey ? { kind: e.kind, id: e.id, sealed: await seal(sealingKey, e.kind, e.id, data) }
      : { kind: e.kind, id: e.id, data });
  }
  return out;
}

/** What a person would recognise a record by, without anything identifying. */
function summary(kind, d) {
  const on = d.supplied_on || d.session_date || d.used_on || d.moved_on || "";
  // In the phone's language; the kinds a person reports on the Kits screen.
  const moved = { returned: t("returned"), damaged: t("damaged"), expired: t("out of date"),
                  lost: t("lost"), stolen: t("stolen"), destroyed: t("thrown away") }[d.kind] || d.kind;
  const what = kind === "kit_supply" ? t("{n} kit(s)", { n: d.quantity || 1 })
    : kind === "stock_movement" ? t("{n} kit(s) {what}", { n: d.quantity, what: moved }) : "";
  return { on, what };
}

/** Apply the server's answers; works with the app locked (nothing is decrypted). A record
 * leaves the outbox once the server has it (stored, held or duplicate); what was held or
 * came with a warning is remembered in "sent" for the person to see (the record's encrypted
 * copy moves there, to be summarised when shown); anything else needs a person (Needs
 * attention). The answers themselves are the server's words, kept in clear. */
export async function applyAnswers(answers) {
  const db = await openDb();
  const tx = db.transaction(["records", "outbox", "sent"], "readwrite");
  const outbox = tx.objectStore("outbox");
  const now = new Date().toISOString();
  for (const answer of answers) {
    if (["stored", "held", "duplicate"].includes(answer.status)) {
      if (answer.status === "held" || (answer.warnings || []).length) {
        const request = tx.objectStore("records").get(answer.id);
        request.onsuccess = () => {
          const record = request.result || {};
          tx.objectStore("sent").put({
            id: answer.id, kind: answer.kind, status: answer.status, sentAt: now,
            message: answer.message || "", warnings: answer.warnings || [],
            savedAt: record.savedAt || now, secret: record.secret || null,
            ...(record.data ? summary(answer.kind, record.data) : {}) });
          tx.objectStore("records").delete(answer.id);
        };
      } else {
        tx.objectStore("records").delete(answer.id);
      }
      outbox.delete(answer.id);
    } else {
      const request = outbox.get(answer.id);
      request.onsuccess = () => {
        if (request.result) outbox.put({ ...request.result, state: "attention", answer });
      };
    }
  }
  await done(tx);
  await trimSent();
}

async function trimSent() {
  const db = await openDb();
  const tx = db.transaction("sent", "readwrite");
  const all = await promised(tx.objectStore("sent").getAll());
  all.sort((a, b) => b.sentAt.localeCompare(a.sentAt));
  for (const old of all.slice(SENT_KEPT)) tx.objectStore("sent").delete(old.id);
  return done(tx);
}

/** Held records and warnings the server gave, newest first (needs the app unlocked). */
export async function sentNotices() {
  const db = await openDb();
  const all = await promised(db.transaction("sent").objectStore("sent").getAll());
  const out = [];
  for (const notice of all) {
    const { secret, ...rest } = notice;
    out.push(secret ? { ...rest, ...summary(notice.kind, await decrypt(secret)) } : rest);
  }
  return out.sort((a, b) => b.sentAt.localeCompare(a.sentAt));
}

/** The person has read a warning: stop showing it. */
export async function dismissWarning(id) {
  const db = await openDb();
  const tx = db.transaction("sent", "readwrite");
  const request = tx.objectStore("sent").get(id);
  request.onsuccess = () => {
    if (request.result) tx.objectStore("sent").put({ ...request.result, warnings: [] });
  };
  return done(tx);
}

/** A consent was withdrawn: forget its recipient code wherever this phone still has it,
 * in its own copy and in the sealed record waiting to be sent (sealed again without it). */
export async function eraseRecipientCodes(consentIds) {
  if (!consentIds.length) return;
  const wanted = new Set(consentIds);
  const db = await openDb();
  const records = await promised(db.transaction("records").objectStore("records").getAll());
  const sealingKey = await getMeta("sealingKey");
  const changed = [];
  for (const record of records) {
    const d = await readable(record);
    if (!(wanted.has(d.consent_id) || (record.kind === "consent" && wanted.has(record.id)))) continue;
    const data = { ...d, recipient_code: null };
    changed.push({ id: record.id, kind: record.kind, savedAt: record.savedAt,
      secret: await encrypt(data), sealed: sealingKey ? await seal(sealingKey, record.kind, record.id, data) : null });
  }
  if (!changed.length) return;
  const tx = db.transaction(["records", "outbox"], "readwrite");
  for (const { sealed, ...record } of changed) {
    // Only what is still there: the record may have been sent meanwhile.
    const mine = tx.objectStore("records").get(record.id);
    mine.onsuccess = () => { if (mine.result) tx.objectStore("records").put(record); };
    const entry = tx.objectStore("outbox").get(record.id);
    entry.onsuccess = () => {
      if (entry.result) tx.objectStore("outbox").put({ ...entry.result, sealed });
    };
  }
  await done(tx);
}

/** Replace a record someone fixed, and queue it again (a new id if the old one clashed). */
export async function resubmit(entry, data) {
  const conflict = entry.answer && entry.answer.status === "conflict";
  const id = conflict ? crypto.randomUUID() : entry.id;
  const [prepared] = await prepare([{ id, kind: entry.kind, data }]);
  const db = await openDb();
  const tx = db.transaction(["records", "outbox"], "readwrite");
  if (conflict) {
    tx.objectStore("records").delete(entry.id);
    tx.objectStore("outbox").delete(entry.id);
  }
  queue(tx, prepared, new Date().toISOString());
  await done(tx);
  return id;
}

/** The notice that tells the service a record was discarded and why (kind, id and the
 * reason shown; never the record's content). */
function discardNotice(entry, now, why = null) {
  const answer = entry.answer || {};
  const reasons = [why, answer.message, ...Object.entries(answer.errors || {})
    .map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`)].filter(Boolean);
  return { id: crypto.randomUUID(), kind: "discard_notice", data: {
    client_created_at: now, record_kind: entry.kind, record_id: entry.id,
    reason: (reasons.join(" ") || "Not accepted by the server.").slice(0, 300),
    discarded_at: now } };
}

/** Discard a record the server refused, and tell the service, in one transaction. */
export async function discard(entry) {
  const now = new Date().toISOString();
  const [notice] = await prepare([discardNotice(entry, now)]);
  const db = await openDb();
  const tx = db.transaction(["records", "outbox"], "readwrite");
  tx.objectStore("records").delete(entry.id);
  tx.objectStore("outbox").delete(entry.id);
  queue(tx, notice, now);
  return done(tx);
}

/** The PIN is forgotten (or guessed wrong too often): delete the phone's encrypted copies,
 * which nobody can read any more, and keep what still has to reach the server: the sealed
 * outbox, the token, and records an older version queued in clear. A record the server
 * refused cannot be fixed without its copy: the service is told it was discarded. What is
 * deleted comes back from the server at the next sync (the cursor starts again). */
export async function forgetReadableCopies(why) {
  lock();
  const db = await openDb();
  const entries = await promised(db.transaction("outbox").objectStore("outbox").getAll());
  const refused = entries.filter((e) => e.state === "attention");
  const sealingKey = await getMeta("sealingKey");
  const now = new Date().toISOString();
  const notices = [];
  for (const entry of refused) {
    const { id, kind, data } = discardNotice(entry, now, why);
    // Sealed only: its readable copy would need the data key, which is gone.
    if (sealingKey) notices.push({ id, kind, secret: null, sealed: await seal(sealingKey, kind, id, data) });
  }
  const tx = db.transaction(["records", "outbox", "sent", "meta"], "readwrite");
  const records = tx.objectStore("records").getAll();
  records.onsuccess = () => {
    for (const record of records.result) if (record.secret) tx.objectStore("records").delete(record.id);
  };
  tx.objectStore("sent").clear();
  for (const entry of refused) tx.objectStore("outbox").delete(entry.id);
  for (const notice of notices) {
    tx.objectStore("outbox").put({ id: notice.id, kind: notice.kind, sealed: notice.sealed,
      state: "queued", queuedAt: now, answer: null });
  }
  for (const key of [...PRIVATE_META, "vault", "pinFailures"]) tx.objectStore("meta").delete(key);
  tx.objectStore("meta").put({ key: "cursor", value: 0 });
  await done(tx);
}

/** After a PIN is first set on a phone an older version used: encrypt what it kept in
 * clear (records and private meta rows), and seal queued records if the server's key is
 * known. Nothing is sent or deleted. (Its old notices of held records keep their date and
 * kit count in clear: nothing about a person.) */
export async function encryptPlainCopies() {
  const db = await openDb();
  const read = db.transaction(["records", "outbox", "meta"]);
  const [records, entries, meta] = await Promise.all(["records", "outbox", "meta"]
    .map((name) => promised(read.objectStore(name).getAll())));
  const sealingKey = await getMeta("sealingKey");
  const queued = new Set(entries.filter((e) => e.state === "queued" && !e.sealed).map((e) => e.id));
  const rows = { records: [], outbox: [], meta: [] };
  for (const record of records.filter((r) => r.data)) {
    // A queued record keeps its clear copy until it can be sealed (it must still send).
    if (queued.has(record.id) && !sealingKey) continue;
    const { data, ...rest } = record;
    rows.records.push({ ...rest, secret: await encrypt(data) });
    const entry = entries.find((e) => e.id === record.id);
    if (queued.has(record.id)) rows.outbox.push({ ...entry, sealed: await seal(sealingKey, record.kind, record.id, data) });
  }
  for (const row of meta.filter((m) => PRIVATE_META.has(m.key) && m.value != null)) {
    rows.meta.push({ key: row.key, secret: await encrypt(row.value) });
  }
  const tx = db.transaction(["records", "outbox", "meta"], "readwrite");
  for (const [store, list] of Object.entries(rows)) for (const row of list) tx.objectStore(store).put(row);
  await done(tx);
}

/** Delete everything this app stored on the phone (sign out, or a revoked device). */
export async function wipe() {
  lock();
  const db = await openDb();
  db.close();
  opening = null;
  await promised(indexedDB.deleteDatabase(DB_NAME));
}
