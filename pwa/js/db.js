// The phone's own storage (IndexedDB): records waiting to be sent, and what the app knows.
//
// A saved record and its outbox entry are written in ONE transaction with no other await
// inside it (IndexedDB commits a transaction as soon as it has nothing left to do), so a
// record can never exist without its outbox entry or the other way round.

const DB_NAME = "peerkit";
const DB_VERSION = 1;
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
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore("records", { keyPath: "id" });  // the record itself
        db.createObjectStore("outbox", { keyPath: "id" });   // its place in the queue
        db.createObjectStore("meta", { keyPath: "key" });    // token, cursor, reference data
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

/** Apply the server's answers: stored/duplicate leave the phone; others need a person. */
export async function applyAnswers(answers) {
  const db = await openDb();
  const tx = db.transaction(["records", "outbox"], "readwrite");
  const outbox = tx.objectStore("outbox");
  for (const answer of answers) {
    if (answer.status === "stored" || answer.status === "duplicate") {
      outbox.delete(answer.id);
      tx.objectStore("records").delete(answer.id);
    } else {
      const request = outbox.get(answer.id);
      request.onsuccess = () => {
        if (request.result) outbox.put({ ...request.result, state: "attention", answer });
      };
    }
  }
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

export async function discard(id) {
  const db = await openDb();
  const tx = db.transaction(["records", "outbox"], "readwrite");
  tx.objectStore("records").delete(id);
  tx.objectStore("outbox").delete(id);
  return done(tx);
}

/** Delete everything this app stored on the phone (sign out, or a revoked device). */
export async function wipe() {
  const db = await openDb();
  db.close();
  opening = null;
  await promised(indexedDB.deleteDatabase(DB_NAME));
}
