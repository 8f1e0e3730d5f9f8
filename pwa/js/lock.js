// The PIN lock: choosing a PIN at set-up, the lock screen, locking after 5 minutes unused
// or when the phone is put away, ten wrong PINs, and a forgotten PIN (docs/FIELD-APP.md).
//
// Locking forgets the data key (vault.js); the sync loop keeps sending the sealed outbox
// and recording the server's answers while locked, and pulls again after the unlock.
import { t } from "./i18n.js";
import { encryptPlainCopies, forgetReadableCopies, getMeta, outboxCounts, setMeta } from "./db.js";
import { showErrors } from "./forms.js";
import { requestSync } from "./sync.js";
import { create, isUnlocked, lock, pinProblem, unlock, WrongPin } from "./vault.js";

export const IDLE_MS = 5 * 60 * 1000;
export const MAX_TRIES = 10;

const $ = (selector) => document.querySelector(selector);
let route = null;  // app.js's router: shows the lock screen or what was asked
let idleTimer = null;

/** Five minutes, or less for a test: `window.peerkitTestHooks = { idleMs }`, set before
 * the app starts (tests/browser/test_phone_privacy.py). It can only shorten the wait. */
function idleMs() {
  const hook = Number((globalThis.peerkitTestHooks || {}).idleMs);
  return hook > 0 ? Math.min(hook, IDLE_MS) : IDLE_MS;
}

function lockNow() {
  if (!isUnlocked()) return;
  lock();
  route();
}

/** The person did something: the five minutes start again. */
function touched() {
  clearTimeout(idleTimer);
  if (isUnlocked()) idleTimer = setTimeout(lockNow, idleMs());
}

/**
 * The screen the lock needs before `name` can be shown, or null when it may be shown:
 * nothing private is on the set-up or locked-out screens, so they need no PIN.
 */
export async function gate(name) {
  if (await getMeta("wipeWhenSent")) {
    $("#clearing-count").textContent = (await outboxCounts()).queued;
    return "clearing";
  }
  if (isUnlocked() || !(await getMeta("token"))) return null;
  if ((await getMeta("revokedMessage")) && name !== "attention") return null;
  if (!(await getMeta("vault"))) return "pin-setup";
  $("#pin-forgot-confirm").hidden = true;
  performance.mark("peerkit-lock-shown");  // bench/pwa.py: the PIN screen is ready
  return "lock";
}

function unlocked() {
  touched();
  window.dispatchEvent(new Event("peerkit-unlocked"));
  route();
  requestSync();  // pull what waited for the unlock
}

async function choosePin(event) {
  event.preventDefault();
  const form = event.target;
  const { pin, again } = form.elements;
  const problem = pinProblem(pin.value);
  const errors = problem ? { pin: [problem] }
    : pin.value !== again.value ? { again: [t("The two PINs are not the same. Type it again.")] } : {};
  showErrors(form, errors);
  if (Object.keys(errors).length) return;
  const stored = await create(pin.value);
  form.reset();
  await setMeta({ vault: stored, pinFailures: 0 });
  await encryptPlainCopies();  // a phone updated from a version without the lock
  unlocked();
}

async function tryUnlock(event) {
  event.preventDefault();
  const input = $("#pin");
  const error = $("#unlock-error");
  const started = performance.now();
  performance.mark("peerkit-pin-typed", { startTime: started });
  try {
    await unlock(input.value, await getMeta("vault"));
  } catch (problem) {
    if (!(problem instanceof WrongPin)) throw problem;
    input.value = "";
    const failures = (await getMeta("pinFailures", 0)) + 1;
    await setMeta({ pinFailures: failures });
    if (failures >= MAX_TRIES) {
      await tooManyTries();
      return;
    }
    const left = MAX_TRIES - failures;
    error.textContent = left === 1
      ? t("Wrong PIN. 1 try left. After that, PeerKit sends the records waiting and clears this phone.")
      : t("Wrong PIN. {n} tries left. After that, PeerKit sends the records waiting and clears this phone.", { n: left });
    input.focus();
    return;
  }
  // For bench/pwa.py, which leaves the PIN's own derivation out of the start-up time.
  performance.measure("peerkit-pin-unlock", { start: started, end: performance.now() });
  input.value = "";
  error.textContent = "";
  await setMeta({ pinFailures: 0 });
  unlocked();
}

/** Ten wrong PINs: what the phone shows is deleted at once; the sealed outbox is sent (the
 * sync loop keeps trying), and then the phone is cleared and asks to be set up again. */
async function tooManyTries() {
  await forgetReadableCopies("Too many wrong PINs on the phone: the record could not be fixed.");
  await setMeta({ wipeWhenSent: true });
  await route();
  requestSync();
}

/** Forgotten PIN: keep the sealed outbox (it needs no PIN), forget the encrypted copies,
 * choose a new PIN. Nothing saved is lost: it is sent, and the rest comes back by sync. */
async function forgotPin() {
  await forgetReadableCopies("PIN forgotten on the phone: the record could not be fixed.");
  await route();
  requestSync();
}

/** Wire the lock screens; `router` is app.js's route(). */
export function startLock(router) {
  route = router;
  for (const type of ["pointerdown", "keydown", "input"]) {
    document.addEventListener(type, touched, { passive: true, capture: true });
  }
  // Put away (another app, the screen off, the tab hidden): lock at once.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") lockNow();
  });
  $("#form-pin-setup").addEventListener("submit", choosePin);
  $("#form-unlock").addEventListener("submit", tryUnlock);
  $("#pin-forgot").addEventListener("click", () => {
    $("#pin-forgot-confirm").hidden = false;
    $("#pin-forgot-yes").focus();
  });
  $("#pin-forgot-yes").addEventListener("click", forgotPin);
  $("#clearing-retry").addEventListener("click", () => requestSync());
}
