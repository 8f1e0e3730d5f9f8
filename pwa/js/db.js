// The phone's own storage (IndexedDB): records waiting to be sent, and what the app knows.
//
// A saved record and its outbox entry are written in ONE transaction with no other await
// inside it (IndexedDB commits a transaction as soon as it has nothing left to do), so a
// record can never exist without its outbox entry or the other way round.

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

export async function getMeta(key, fallback = null) {
  const db = await openDb();
  const row = await promised(db.transaction("meta").objectStore("meta").get(key));
  return row ? row.value : fallback;
}

export async function setMeta(entries) {
  const db = await openDb();
  const tx = db.transaction("meta", "readwrite");
  for (const [key, value] of Object.entries(entries)) tx.objectStore("meta").put({ key, value });
  return done(tx);
}

/** Save records and queue them for sending, all in one transaction. */
export async function saveRecords(records) {
  const db = await openDb();
  const tx = db.transaction(["records", "outbox"], "readwrite");
  const now = new Date().toISOString();
  for (const { id = crypto.randomUUID(), kind, data } of records) {
    tx.objectStore("records").put({ id, kind, data, savedAt: now });
    tx.objectStore("outbox").put({ id, kind, state: "queued", queuedAt: now, answer: null });
  }
  await done(tx);
}

/** Every outbox entry with its record, oldest first. */
export async function outboxEntries() {
  const db = await openDb();
  const tx = db.transaction(["records", "outbox"]);
  const [records, entries] = await Promise.all([
    promised(tx.objectStore("records").getAll()),
    promised(tx.objectStore("outbox").getAll()),
  ]);
  const byId = new Map(records.map((r) => [r.id, r]));
  return entries
    .filter((e) => byId.has(e.id))
    .map((e) => ({ ...e, record: byId.get(e.id) }))
    .sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
}

/** What a person would recognise a record by, without anything identifying. */
function summary(record) {
  const d = record.data || {};
  const on = d.supplied_on || d.session_date || d.used_on || d.moved_on || "";
  const what = record.kind === "kit_supply" ? `${d.quantity || 1} kit(s)`
    : record.kind === "stock_movement" ? `${d.quantity} kit(s) ${d.kind}` : "";
  return { on, what };
}

/** Apply the server's answers. A record leaves the outbox once the server has it
 * (stored, held or duplicate); what was held or came with a warning is remembered in
 * "sent" for the person to see; anything else needs a person (Needs attention). */
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
          const record = request.result || { kind: answer.kind, data: {} };
          tx.objectStore("sent").put({
            id: answer.id, kind: answer.kind, status: answer.status, sentAt: now,
            message: answer.message || "", warnings: answer.warnings || [],
            savedAt: record.savedAt || now, ...summary(record) });
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

/** Held records and warnings the server gave, newest first. */
export async function sentNotices() {
  const db = await openDb();
  const all = await promised(db.transaction("sent").objectStore("sent").getAll());
  return all.sort((a, b) => b.sentAt.localeCompare(a.sentAt));
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

/** A consent was withdrawn: forget its recipient code wherever this phone still has it. */
export async function eraseRecipientCodes(consentIds) {
  if (!consentIds.length) return;
  const wanted = new Set(consentIds);
  const db = await openDb();
  const tx = db.transaction("records", "readwrite");
  const store = tx.objectStore("records");
  const request = store.getAll();
  request.onsuccess = () => {
    for (const record of request.result) {
      const d = record.data || {};
      if (wanted.has(d.consent_id) || (record.kind === "consent" && wanted.has(record.id))) {
        store.put({ ...record, data: { ...d, recipient_code: null } });
      }
    }
  };
  return done(tx);
}

/** Replace a record someone fixed, and queue it again (a new id if the old one clashed). */
export async function resubmit(entry, data) {
  const db = await openDb();
  const tx = db.transaction(["records", "outbox"], "readwrite");
  const conflict = entry.answer && entry.answer.status === "conflict";
  const id = conflict ? crypto.randomUUID() : entry.id;
  if (conflict) {
    tx.objectStore("records").delete(entry.id);
    tx.objectStore("outbox").delete(entry.id);
  }
  const now = new Date().toISOString();
  tx.objectStore("records").put({ id, kind: entry.kind, data, savedAt: now });
  tx.objectStore("outbox").put({ id, kind: entry.kind, state: "queued", queuedAt: now, answer: null });
  await done(tx);
  return id;
}

/** Discard a record the server refused, and tell the service that it was discarded
 * (kind, id and the reason shown; never the record's content), in one transaction. */
export async function discard(entry) {
  const db = await openDb();
  const tx = db.transaction(["records", "outbox"], "readwrite");
  tx.objectStore("records").delete(entry.id);
  tx.objectStore("outbox").delete(entry.id);
  const now = new Date().toISOString();
  const answer = entry.answer || {};
  const reasons = [answer.message, ...Object.entries(answer.errors || {})
    .map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`)].filter(Boolean);
  const notice = { id: crypto.randomUUID(), kind: "discard_notice", savedAt: now, data: {
    client_created_at: now, record_kind: entry.kind, record_id: entry.id,
    reason: (reasons.join(" ") || "Not accepted by the server.").slice(0, 300),
    discarded_at: now } };
  tx.objectStore("records").put(notice);
  tx.objectStore("outbox").put({ id: notice.id, kind: notice.kind, state: "queued", queuedAt: now, answer: null });
  return done(tx);
}

/** Delete everything this app stored on the phone (sign out, or a revoked device). */
export async function wipe() {
  const db = await openDb();
  db.close();
  opening = null;
  await promised(indexedDB.deleteDatabase(DB_NAME));
}
