// The sync loop: pull what changed, then push the outbox, one tab at a time.
//
// It runs on start, on regaining signal, on returning to the app, after each save and on
// "Sync now"; after a failure it backs off (2, 4, 8 … 300 s, with jitter). An outbox entry
// leaves the phone only on an answer that says the server has the record (stored, held,
// or already there).
//
// A locked-out phone still hands over what it has: the server keeps those records, held
// for review. Only when nothing is left unsent does the phone delete PeerKit's data; if
// some records could not be sent, the person decides (see app.js, the revoked screen).
//
// Sending needs no PIN: the outbox is sealed to the server's key (seal.js), and answers are
// recorded without decrypting anything. Pulling waits for the app to be unlocked, since
// what it brings (the snapshot with the recipient-code salt, withdrawn consents to erase)
// is kept encrypted.
import { currentLanguage, t } from "./i18n.js";
import { applyAnswers, eraseRecipientCodes, getMeta, outboxCounts, sendable, setMeta, wipe } from "./db.js";
import { forget } from "./returning.js";
import { isUnlocked } from "./vault.js";

const BATCH = 100;
let failures = 0;
let retryTimer = null;
const listeners = new Set();

export function onSyncEvent(listener) { listeners.add(listener); }
function emit(event) { for (const listener of listeners) listener(event); }

export class DeviceRevoked extends Error {}
class DeviceExpired extends Error {}

async function api(path, options = {}) {
  const token = await getMeta("token");
  const response = await fetch(path, {
    ...options,
    // The server's messages (a refusal's reasons, a lock-out) in the phone's language, when
    // no account or cookie on this browser says otherwise (peerkit/i18n.py).
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}`,
               "Accept-Language": currentLanguage(), ...(options.headers || {}) },
    cache: "no-store",
  });
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  if (response.status === 401 && body && body.error && body.error.code === "device_revoked") {
    throw new DeviceRevoked(body.error.message);
  }
  if (response.status === 401 && body && body.error && body.error.code === "device_expired") {
    throw new DeviceExpired(body.error.message);
  }
  if (!response.ok) {
    const message = body && body.error ? body.error.message : t("Server answered {status}", { status: response.status });
    throw new Error(message);
  }
  return body;
}

function merge(table, rows) {
  const out = { ...(table || {}) };
  for (const row of rows || []) out[row.id] = row;
  return out;
}

/** Tell the server which alerts reached this phone by pull, so a coordinator sees who got
 * them; best effort: a failure leaves them to be told at the next sync. */
async function acknowledgeAlerts(alerts) {
  const told = new Set(await getMeta("alertsReceived", []));
  for (const alert of Object.values(alerts)) {
    if (told.has(alert.id) || alert.withdrawn) continue;
    try {
      await api("/api/v1/alert-receipts", { method: "POST",
        body: JSON.stringify({ alert_id: alert.id, event: "received" }) });
      told.add(alert.id);
    } catch (error) {
      if (error instanceof DeviceRevoked) throw error;
      break;
    }
  }
  await setMeta({ alertsReceived: [...told] });
}

async function pull() {
  const withdrawn = [];
  let cursor = await getMeta("cursor", 0);
  const ref = {
    products: await getMeta("products", {}), sites: await getMeta("sites", {}),
    batches: await getMeta("batches", {}), alerts: await getMeta("alerts", {}),
    referral_destinations: await getMeta("referral_destinations", {}),
  };
  for (;;) {
    const page = await api(`/api/v1/sync/pull?cursor=${cursor}&limit=500`);
    for (const key of Object.keys(ref)) ref[key] = merge(ref[key], page.changes[key]);
    for (const gone of page.tombstones) if (ref[gone.entity]) delete ref[gone.entity][gone.id];
    for (const consent of page.changes.consents || []) {
      if (consent.withdrawn_on) withdrawn.push(consent.id);
    }
    cursor = page.cursor;
    await forget(withdrawn);
    await eraseRecipientCodes(withdrawn.splice(0));
    // The server's newest sealing key comes with every pull, so a rotation reaches phones.
    // The account's language is kept in clear: it applies on the lock screen, before the PIN.
    await setMeta({ ...ref, cursor, snapshot: page.snapshot,
                    accountLanguage: (page.snapshot.user || {}).locale || null,
                    ...(page.sealing_key ? { sealingKey: page.sealing_key } : {}) });
    if (!page.more) break;
  }
  await acknowledgeAlerts(ref.alerts);
}

async function push() {
  const queued = await sendable();
  let sent = 0;
  let revoked = null;
  for (let i = 0; i < queued.length; i += BATCH) {
    const slice = queued.slice(i, i + BATCH);
    emit({ type: "progress", sent, total: queued.length });
    const answer = await api("/api/v1/sync/push", {
      method: "POST",
      body: JSON.stringify({
        records: slice,
        records_waiting: queued.length - sent,
      }),
    });
    await applyAnswers(answer.results);
    if (answer.device && answer.device.revoked) revoked = answer.device.message;
    sent += slice.length;
  }
  emit({ type: "progress", sent, total: queued.length });
  if (revoked) throw new DeviceRevoked(revoked);
}

/** Locked out: send everything that can be sent first; wipe only when nothing is left. */
async function handOverAndWipe(message) {
  await setMeta({ revokedMessage: message });
  try { await push(); } catch { /* told again, or no signal: what is left is counted */ }
  const { queued, attention } = await outboxCounts();
  if (queued + attention === 0) {
    await wipe();
    await setMeta({ revokedMessage: message });
  } else if (queued) {
    clearTimeout(retryTimer);  // no signal, say: keep trying to hand them over
    retryTimer = setTimeout(requestSync, 30000);
  }
  emit({ type: "revoked", message, left: queued + attention });
}

/** After ten wrong PINs (lock.js): once the sealed outbox is sent, clear the phone. */
async function wipeIfSent() {
  if (!(await getMeta("wipeWhenSent")) || (await outboxCounts()).queued) return false;
  await wipe();
  await setMeta({ setupMessage: t("Too many wrong PINs. PeerKit sent the records this phone had and cleared it. Set it up again.") });
  emit({ type: "wiped" });
  return true;
}

/** Sign out (app.js): send what is waiting, then tell the server to revoke this phone's
 * token. Returns what is still unsent, and whether the server was told. */
export async function signOutDevice() {
  const run = async () => {
      try { await push(); } catch { /* no signal: counted below */ }
    const left = await outboxCounts();
    if (left.queued + left.attention) return { left, signedOut: false };
    try {
      await api("/api/v1/devices/current/sign-out", { method: "POST", body: "{}" });
      return { left, signedOut: true };
    } catch (error) {
      // A phone already locked out or expired has no token to revoke.
      return { left, signedOut: error instanceof DeviceRevoked || error instanceof DeviceExpired };
    }
  };
  return navigator.locks ? navigator.locks.request("peerkit-sync", run) : run();
}

async function syncOnce() {
  if (!(await getMeta("token"))) return;
  emit({ type: "start" });
  try {
    await push();  // records first: they are what must not be lost
    if (await wipeIfSent()) return;
    if (isUnlocked()) await pull();
    failures = 0;
    await setMeta({ lastSync: new Date().toISOString() });
    emit({ type: "done" });
  } catch (error) {
    if (error instanceof DeviceRevoked) {
      await handOverAndWipe(error.message);
      return;
    }
    if (error instanceof DeviceExpired) {
      // Silent too long: set the phone up again. Queued records stay and go after that.
      await setMeta({ token: null, setupMessage: error.message });
      emit({ type: "expired", message: error.message });
      return;
    }
    failures += 1;
    const message = error instanceof TypeError ? t("no signal") : error.message;
    const delay = Math.min(2 ** failures, 300) * (0.5 + Math.random() / 2);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(requestSync, delay * 1000);
    emit({ type: "failed", message, retryIn: Math.round(delay) });
  }
}

/** Sync now, unless another tab is syncing: the lock means no record is sent twice. */
export function requestSync() {
  clearTimeout(retryTimer);
  if (navigator.locks) {
    return navigator.locks.request("peerkit-sync", { ifAvailable: true }, (lock) => {
      if (lock) return syncOnce();
      // Another tab is syncing: try again shortly for anything saved here meanwhile.
      retryTimer = setTimeout(requestSync, 3000);
      return null;
    });
  }
  return syncOnce();
}
