// The field app: routes between the screens (pwa/js/screens/) and starts storage, sync,
// the lock and the worker.
import { getMeta, openDb, setMeta } from "./db.js";
import { saveDraft } from "./forms.js";
import { browserLanguage, currentLanguage, LANGUAGES, onLanguageChange, t, useLanguage } from "./i18n.js";
import { gate, startLock } from "./lock.js";
import { onSyncEvent, requestSync } from "./sync.js";
import { Locked } from "./vault.js";
import { registerWorker, wireUpdateBanner } from "./update.js";
import { renderAttention } from "./screens/attention.js";
import { renderDevice, signOut } from "./screens/device.js";
import { renderHome, renderSaved } from "./screens/home.js";
import { forgetUnsent, renderRevoked } from "./screens/locked-out.js";
import { openForm, recognise, relabelChoices, submitForm, toggleRepeat } from "./screens/record.js";
import { $, channel, DEVICE, deviceWord, FORMS, show } from "./screens/shared.js";
import { renderStock } from "./screens/stock.js";

async function route() {
  // The turn is taken before any await: the route asked for last wins (a tap just after an
  // unlock, or a sync re-rendering Home, must not be overtaken by an older route).
  const turn = ++routing;
  const name = (location.hash || "#home").slice(1);
  const lockScreen = await gate(name);  // a PIN to choose or type first (lock.js)
  if (turn !== routing) return;
  if (lockScreen) { show(lockScreen); return; }
  if (await getMeta("revokedMessage")) {
    // Locked out: only this screen, and fixing what still has to reach the server.
    if (name === "attention" && (await getMeta("token"))) await renderAttention();
    else await renderRevoked();
    show(name === "attention" && (await getMeta("token")) ? "attention" : "revoked");
    return;
  }
  if (!(await getMeta("token"))) {
    const message = await getMeta("setupMessage");
    $("#setup-message").hidden = !message;
    $("#setup-message").textContent = message || "";
    show("setup");
    return;
  }
  const screens = { home: renderHome, supply: openForm, training: openForm, use: openForm,
                    report: openForm,
                    stock: renderStock, attention: renderAttention, device: renderDevice };
  const render = screens[name] || renderHome;
  try {
    await render(name);
  } catch (error) {
    if (turn !== routing) return;  // a newer route shows what was asked since
    if (error instanceof Locked) { route(); return; }  // locked meanwhile: the PIN first
    await cannotOpen(name, error);
    return;
  }
  if (turn === routing) show(screens[name] ? name : "home");
}
let routing = 0;

/** A screen failed to draw: never leave the person on the screen they were on with the
 * address of another (tapping the same button again would then do nothing). Home says so,
 * and the address is Home's, so every button works again. */
async function cannotOpen(name, error) {
  console.error(`PeerKit could not open ${name}:`, error);
  history.replaceState(null, "", "#home");
  try { await renderHome(); } catch { /* shown as it is: the message below still shows */ }
  $("#screen-error").hidden = false;
  show("home");
}

// ---- Signal and storage ------------------------------------------------------------

function showNetwork() {
  const online = navigator.onLine;
  const net = $("#net");
  net.textContent = online ? t("Online") : t("Offline: records are kept on this {device}", { device: deviceWord() });
  net.className = `net ${online ? "online" : "offline"}`;
}

function formInProgress() {
  return [...document.querySelectorAll("form[data-dirty]")].some((f) => !f.closest("[hidden]"));
}

async function askForPersistence() {
  if (!navigator.storage?.persist) return;
  const persisted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
  await setMeta({ persisted });
}

// ---- Language -----------------------------------------------------------------------

/** The phone's own choice (the switch), else the account's (sent at enrolment and with every
 * pull), else the browser's languages (Welsh first means Welsh), else English. */
async function preferredLanguage() {
  const chosen = await getMeta("language");
  if (chosen in LANGUAGES) return chosen;
  const account = await getMeta("accountLanguage");
  if (account in LANGUAGES) return account;
  return browserLanguage();
}

/** Show the preferred language if it changed (a pull brought the account's, another tab switched). */
async function followPreferredLanguage() {
  const wanted = await preferredLanguage();
  if (wanted !== currentLanguage()) await useLanguage(wanted);
}

/** The switches (set-up and Device screens): the choice is kept on the phone and shown at
 * once, offline, with what was typed in open forms kept. */
function wireLanguageSwitches() {
  for (const form of document.querySelectorAll(".language-switch")) {
    form.addEventListener("change", async (event) => {
      await setMeta({ language: event.target.value });
      await useLanguage(event.target.value);
      channel?.postMessage("changed");
    });
  }
  const tick = () => {
    for (const radio of document.querySelectorAll(".language-switch input")) radio.checked = radio.value === currentLanguage();
  };
  tick();
  onLanguageChange(() => {
    tick();
    relabelChoices();
    showNetwork();
    route();
  });
}

async function start() {
  for (const word of document.querySelectorAll("[data-device]")) word.textContent = DEVICE;
  await openDb();
  await useLanguage(await preferredLanguage());
  wireLanguageSwitches();
  showNetwork();
  window.addEventListener("online", () => { showNetwork(); requestSync(); });
  window.addEventListener("offline", showNetwork);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") requestSync();
  });
  window.addEventListener("hashchange", () => {
    $("#screen-error").hidden = true;  // the person moved on: a new try, a new answer
    route();
  });
  $("#sync-now").addEventListener("click", () => requestSync());
  wireUpdateBanner();
  for (const form of Object.values(FORMS).map((s) => $(s))) {
    form.addEventListener("submit", submitForm);
    form.addEventListener("input", () => saveDraft(form));
    form.addEventListener("change", (event) => { saveDraft(form); toggleRepeat(form, event); });
  }
  const supply = $(FORMS.supply);
  supply.addEventListener("change", (event) => {
    if (["rc_initials", "rc_dob", "rc_sex"].includes(event.target.name)) recognise(supply);
  });
  supply.elements.rc_initials.addEventListener("input", () => recognise(supply));
  // Being recognised next time means being recorded: the two ticks move together that way.
  const recordTick = supply.querySelector("#consent-record");
  supply.elements.consent_given.addEventListener("change", () => {
    if (supply.elements.consent_given.checked) recordTick.checked = true;
  });
  recordTick.addEventListener("change", () => {
    if (!recordTick.checked) supply.elements.consent_given.checked = false;
  });
  $("#saved-ok").addEventListener("click", async () => {
    await setMeta({ savedConfirmation: null });
    channel?.postMessage("changed");
    renderSaved();
  });
  $("#form-signout").addEventListener("submit", signOut);
  startLock(route);
  $("#revoked-retry").addEventListener("click", () => requestSync());
  $("#revoked-forget").addEventListener("click", () => { $("#revoked-confirm").hidden = false; });
  $("#revoked-forget-confirm").addEventListener("click", () => forgetUnsent(route));
  channel?.addEventListener("message", async () => { await followPreferredLanguage(); route(); });
  onSyncEvent(async (event) => {
    const status = $("#sync-status");
    if (event.type === "progress" && event.total) status.textContent = t("Sending {n} of {m}…", { n: event.sent, m: event.total });
    if (event.type === "start") status.textContent = t("Syncing…");
    if (event.type === "done") status.textContent = t("All sent.");
    if (event.type === "failed") status.textContent = t("Could not reach the server ({message}). Trying again in {s} s.", { message: event.message, s: event.retryIn });
    if (event.type === "expired" || event.type === "wiped") { route(); return; }
    if (event.type === "revoked") {
      await renderRevoked();
      show("revoked");
      channel?.postMessage("changed");
      return;
    }
    if (event.type === "done" || event.type === "failed") {
      channel?.postMessage("changed");
      await followPreferredLanguage();
      if (!formInProgress()) route();
    }
  });
  await route();
  registerWorker().catch(() => {});
  askForPersistence().catch(() => {});
  document.body.dataset.ready = "true";  // for tests and the start-up benchmark
  requestSync();
}

start();
