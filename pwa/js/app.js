// The field app: screens, forms and the wiring between storage, sync and the worker.
import { discard, dismissWarning, getMeta, openDb, outboxCounts, outboxEntries, resubmit, saveRecords,
  sentNotices, setMeta, wipe } from "./db.js";
import { clearDraft, fieldLabel, fillForm, readForm, restoreDraft, saveDraft, showErrors } from "./forms.js";
import { recipientCode } from "./recipient-code.js";
import { countReason, lookUp, reasonCounts, remember } from "./returning.js";
import { gate, startLock } from "./lock.js";
import { onSyncEvent, requestSync, signOutDevice } from "./sync.js";
import { Locked } from "./vault.js";

const $ = (selector, root = document) => root.querySelector(selector);
const channel = "BroadcastChannel" in window ? new BroadcastChannel("peerkit") : null;
const DAY_MS = 24 * 60 * 60 * 1000;
let waitingWorker = null;
let switching = false;
// A counter PC at a pharmacy is not a phone, and cannot be added to a home screen.
const PHONE = matchMedia("(pointer: coarse)").matches;
const DEVICE = PHONE ? "phone" : "computer";

const today = () => {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
};
const ukDate = (iso) => (iso ? new Date(iso).toLocaleDateString("en-GB") : "–");
const ukDateTime = (iso) => (iso ? new Date(iso).toLocaleString("en-GB", {
  day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }) : "never");

function show(name) {
  for (const section of document.querySelectorAll("[data-screen]")) {
    section.hidden = section.dataset.screen !== name;
  }
  const heading = $(`[data-screen="${name}"] h1`);
  if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
  window.scrollTo(0, 0);
}

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

// ---- Locked out -----------------------------------------------------------------------

async function renderRevoked() {
  $("#revoked-message").textContent = await getMeta("revokedMessage");
  const { queued, attention } = await outboxCounts();
  const left = queued + attention;
  $("#revoked-left").hidden = left === 0;
  $("#revoked-done").hidden = left !== 0;
  $("#revoked-count").textContent = left;
  $("#revoked-confirm").hidden = true;
  $("#revoked-confirm-count").textContent = left;
}

async function forgetUnsent() {
  const message = await getMeta("revokedMessage");
  await wipe();
  await setMeta({ revokedMessage: message });
  channel?.postMessage("changed");
  route();
}

// ---- Home ---------------------------------------------------------------------------

async function kitsInHand() {
  const snapshot = await getMeta("snapshot", {});
  const kits = new Map((snapshot.stock_in_hand || []).map((k) => [k.batch_id, { ...k }]));
  // Supplies still on the phone have left the bag already: count them down offline.
  for (const entry of await outboxEntries()) {
    if (!["kit_supply", "stock_movement"].includes(entry.kind)) continue;
    const kit = kits.get(entry.record.data.batch_id);
    if (kit) kit.quantity -= entry.record.data.quantity || 0;
  }
  return [...kits.values()].sort((a, b) => a.expiry_date.localeCompare(b.expiry_date));
}

async function renderHome() {
  lastSnapshot = await getMeta("snapshot", {});
  $("#not-fetched").hidden = fetched(lastSnapshot);
  const entries = await outboxEntries();
  const queued = entries.filter((e) => e.state === "queued");
  const attention = entries.filter((e) => e.state === "attention");
  // A supply and the consent made with it are one thing to the person: count them as one.
  const consentsWithSupply = new Set(queued.filter((e) => e.kind === "kit_supply")
    .map((e) => e.record.data.consent_id).filter(Boolean));
  const waiting = queued.filter((e) => !(e.kind === "consent" && consentsWithSupply.has(e.id)));
  $("#waiting-count").textContent = waiting.length;
  $("#waiting-label").textContent = waiting.length === 1 ? "record waiting to send" : "records waiting to send";
  $("#waiting-details").hidden = waiting.length === 0;
  $("#waiting-list").replaceChildren(...waiting.map((e) => {
    const li = document.createElement("li");
    li.textContent = `${describe(e.kind, e.record.data)}, saved ${ukDateTime(e.record.savedAt)}`;
    return li;
  }));
  $("#attention-count").textContent = attention.length;
  $("#attention-link").hidden = attention.length === 0;
  $("#last-sync").textContent = ukDateTime(await getMeta("lastSync"));

  const warnings = [];
  const oldest = queued[0] && Date.parse(queued[0].queuedAt);
  if (oldest && Date.now() - oldest > DAY_MS) {
    warnings.push(["error", "Some records have waited more than a day. Find signal and tap Sync now: records kept only on a phone can be lost."]);
  }
  if ((await getMeta("persisted")) === false) {
    warnings.push(["info", PHONE
      ? "This phone may clear PeerKit's storage when space runs low. Add PeerKit to your home screen and sync often."
      : "This browser may clear PeerKit's storage when space runs low. Sync often."]);
  }
  const snapshot = await getMeta("snapshot", {});
  // Partner agencies' carriers hold kits and report use, but do not supply or train.
  const carrier = (snapshot.user || {}).role === "carrier";
  $("#nav-supply").hidden = carrier;
  $("#nav-training").hidden = carrier;
  if (!carrier && snapshot.supplier && !snapshot.supplier.authorised) {
    warnings.push(["error", heldSupplies(snapshot.supplier.reason)]);
  }
  const box = $("#warnings");
  box.replaceChildren(...warnings.map(([kind, text]) => {
    const p = document.createElement("p");
    p.className = `flash flash-${kind}`;
    p.textContent = text;
    return p;
  }));

  const alerts = Object.values(await getMeta("alerts", {}))
    .filter((a) => !a.withdrawn && Date.parse(a.expires_at) > Date.now())
    .sort((a, b) => (a.grading === "red" ? -1 : 1) - (b.grading === "red" ? -1 : 1));
  const alertBox = $("#alerts");
  if (alerts.length) {
    alertBox.replaceChildren(...alerts.map((a) => {
      const article = document.createElement("article");
      article.className = `alert alert-${a.grading}`;
      const title = document.createElement("h3");
      title.textContent = `${a.grading.toUpperCase()}: ${a.substance}`;
      const where = document.createElement("p");
      where.textContent = `${a.area_description}. ${a.description}`;
      const advice = document.createElement("p");
      advice.textContent = a.advice;
      const until = document.createElement("p");
      until.className = "hint";
      until.textContent = `Until ${ukDate(a.expires_at)}`;
      article.append(title, where, advice, until);
      return article;
    }));
  } else {
    alertBox.innerHTML = '<p class="hint">No active alerts.</p>';
  }

  await renderSent();
  await renderSaved();

  const rows = (await kitsInHand()).filter((k) => k.quantity !== 0).map((k) => {
    const tr = document.createElement("tr");
    const soon = Date.parse(k.expiry_date) - Date.now() < 90 * DAY_MS;
    tr.innerHTML = "<td></td><td></td><td class=\"num\"></td>";
    tr.cells[0].textContent = `${k.product_name} ${k.batch_number}${k.recalled ? " (RECALLED: do not give out)" : ""}`;
    tr.cells[1].textContent = ukDate(k.expiry_date) + (soon ? " (soon)" : "");
    tr.cells[2].textContent = k.quantity;
    return tr;
  });
  $("#kits tbody").replaceChildren(...rows);
  if (!rows.length) $("#kits tbody").innerHTML = '<tr><td colspan="3">No kits recorded in your hands.</td></tr>';
}

/** What the server kept but held for review, and warnings to act on (e.g. a recall). */
async function renderSent() {
  const notices = await sentNotices();
  const warnings = notices.filter((n) => n.warnings.length);
  $("#sent-warnings").replaceChildren(...warnings.map((n) => {
    const box = document.createElement("div");
    box.className = "flash flash-error";
    box.setAttribute("role", "alert");
    for (const text of n.warnings) {
      const p = document.createElement("p");
      p.textContent = text;
      box.append(p);
    }
    const ok = document.createElement("button");
    ok.type = "button";
    ok.className = "button-secondary";
    ok.textContent = "Done";
    ok.addEventListener("click", async () => { await dismissWarning(n.id); renderSent(); });
    box.append(ok);
    return box;
  }));
  const held = notices.filter((n) => n.status === "held");
  $("#held-section").hidden = held.length === 0;
  $("#held-list").replaceChildren(...held.map((n) => {
    const li = document.createElement("li");
    li.className = "card";
    const title = document.createElement("h3");
    title.textContent = [KIND_LABEL[n.kind] || n.kind, n.what, n.on && ukDate(n.on)].filter(Boolean).join(", ");
    const why = document.createElement("p");
    why.textContent = n.message;
    li.append(title, why);
    return li;
  }));
}

/** A kit handed out is still recorded, but held: say so, and why. */
function heldSupplies(reason) {
  return `${reason} Supplies you record now are kept, and held for your coordinator to review: ask them for a sign-off.`;
}

// ---- Forms --------------------------------------------------------------------------

const FORMS = { supply: "#form-supply", training: "#form-training", use: "#form-use",
                stock: "#form-stock", report: "#form-report" };

/** The terms of a vocabulary in their meant order (JSON objects arrive sorted by key). */
function ordered(snapshot, name) {
  const terms = (snapshot.vocabularies || {})[name] || {};
  const order = (snapshot.vocabulary_order || {})[name] || Object.keys(terms);
  return order.filter((code) => code in terms).map((code) => [code, terms[code]]);
}

function choices(container, entries, wanted) {
  const { name, type } = container.dataset;
  container.replaceChildren(...entries.map(([code, label]) => {
    const wrap = document.createElement("label");
    const input = document.createElement("input");
    input.type = type;
    input.name = name;
    input.value = code;
    input.checked = wanted === code;
    wrap.append(input, ` ${label}`);
    return wrap;
  }));
}

function options(select, items, empty) {
  select.replaceChildren(...items.map(([value, label]) => {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = label;
    return option;
  }));
  if (!items.length && empty) {
    const option = document.createElement("option");
    option.value = "";
    option.textContent = empty;
    select.append(option);
  }
}

/** True once a pull has brought the snapshot: the choices, kits in hand and the
 * recipient-code salt every form is made from. */
const fetched = (snapshot) => Boolean(snapshot && snapshot.vocabularies);

/** A form is made from the snapshot: before the first pull it would have no choices and
 * could not be filled, so the screen says what to do instead of showing it half-made. */
function showFetched(form, ready) {
  let notice = form.previousElementSibling;
  if (!notice || !notice.matches("[data-not-fetched]")) {
    notice = document.createElement("p");
    notice.className = "flash flash-error";
    notice.dataset.notFetched = "";
    notice.setAttribute("role", "status");
    notice.textContent = `This ${DEVICE} has not fetched its lists yet (kits, sites and choices). `
      + "Find signal and tap Sync now on Home; this form opens once they arrive.";
    form.before(notice);
  }
  notice.hidden = ready;
  form.hidden = !ready;
}

/** Fill a form's choices and lists from the snapshot; false (and nothing filled) when the
 * phone has none yet. Needs the app unlocked (the snapshot is encrypted: throws Locked). */
async function prepareForm(form) {
  const snapshot = await getMeta("snapshot", {});
  showFetched(form, fetched(snapshot));
  if (!fetched(snapshot)) return false;
  const vocabularies = snapshot.vocabularies;
  const last = await getMeta("lastChoices", {});
  const counts = await reasonCounts();
  for (const container of form.querySelectorAll("[data-vocab]")) {
    if (container.children.length) continue;
    let entries = ordered(snapshot, container.dataset.vocab);
    if (container.dataset.name === "repeat_reason") {
      // The reasons this phone uses most come first (a stable sort keeps the rest in order).
      entries = entries.sort(([a], [b]) => (counts[b] || 0) - (counts[a] || 0));
    }
    let wanted = null;
    if (container.dataset.default === "last") wanted = last[container.dataset.name];
    if (container.dataset.default === "kits") wanted = await routeOfKitsInHand();
    choices(container, entries, wanted);
  }
  for (const select of form.querySelectorAll("select[data-vocab-select]")) {
    const current = select.value;
    options(select, [["", select.dataset.empty || ""],
      ...Object.entries(vocabularies[select.dataset.vocabSelect] || {})]);
    select.value = current;
  }
  const destinationSelect = form.querySelector("select[name=referral_destination_id]");
  if (destinationSelect) {
    const current = destinationSelect.value;
    const places = Object.values(await getMeta("referral_destinations", {})).filter((d) => d.active);
    options(destinationSelect, [["", "Not said"], ...places.map((d) => [d.id, d.name])]);
    destinationSelect.value = current;
  }
  const sites = Object.values(await getMeta("sites", {})).filter((s) => s.active);
  for (const select of form.querySelectorAll("select[name=site_id]")) {
    const current = select.value;
    options(select, sites.map((s) => [s.id, s.name]), "No site");
    // The last site used is right far more often than the first in the list.
    if (current) select.value = current;
    else if (last.site_id && sites.some((s) => String(s.id) === String(last.site_id))) select.value = last.site_id;
  }
  const trainee = form.querySelector("select[name=trainee_user_id]");
  if (trainee) {
    options(trainee, [["", "Nobody: recipients only"],
      ...(snapshot.colleagues || []).map((c) => [c.id, c.display_name])]);
  }
  const batchSelect = form.querySelector("select[name=batch_id]");
  if (batchSelect) {
    // Only good kits to hand out; any kit in hand may be returned or reported.
    const kits = (await kitsInHand()).filter((k) => "allKits" in batchSelect.dataset
      || (!k.recalled && Date.parse(k.expiry_date) >= Date.parse(today())));
    options(batchSelect, kits.map((k) => [k.batch_id,
      `${k.product_name} ${k.batch_number}, expires ${ukDate(k.expiry_date)} (${k.quantity} in hand)`]),
      "No kits in hand: sync to update");
  }
  for (const input of form.querySelectorAll("input[type=date]")) {
    // Today is right for when something happened; a date of birth must be asked.
    if (!input.value && !("ask" in input.dataset)) input.value = today();
    input.max = today();
  }
  const siteField = form.querySelector("#stock-site-field");
  if (siteField) {
    // Peers and carriers hold kits themselves; site staff report a site's stock.
    const personal = ["peer", "carrier"].includes((snapshot.user || {}).role);
    siteField.hidden = personal;
    form.elements.site_id.disabled = personal;
  }
  const noticeText = form.querySelector("#privacy-notice-text");
  if (noticeText) {
    // The notice in force for this service, from the last pull: the consent names it.
    const notice = snapshot.privacy_notice;
    noticeText.textContent = notice
      ? `${notice.text} (version ${notice.version}, from ${ukDate(notice.in_force_from)})`
      : "Your service has not published a privacy notice yet: ask your coordinator.";
  }
  const warning = form.querySelector("#supplier-warning");
  if (warning) {
    const supplier = snapshot.supplier || {};
    warning.hidden = supplier.authorised !== false;
    warning.textContent = supplier.reason ? heldSupplies(supplier.reason) : "";
  }
  return true;
}

/** The route of the kits in hand, when they all share one (a use report's likely "How"). */
async function routeOfKitsInHand() {
  const products = await getMeta("products", {});
  const routes = new Set((await kitsInHand()).filter((k) => k.quantity > 0)
    .map((k) => (products[k.product_id] || {}).route).filter(Boolean));
  return routes.size === 1 ? [...routes][0] : null;
}

async function openForm(name) {
  const form = $(FORMS[name]);
  if (!(await prepareForm(form))) return;
  if (!form.dataset.fixing) await restoreDraft(form);
  toggleRepeat(form);
}

/** A repeat means they had a kit, and its training, before: say so, unless the person
 * answered the training question themselves. */
function toggleRepeat(form, event) {
  const destination = form.querySelector("#referral-destination-field");
  if (destination) {
    // Where an accepted referral went, when the service keeps a list of places.
    destination.hidden = !form.elements.referral_accepted.checked
      || form.elements.referral_destination_id.options.length < 2;
  }
  const reasons = form.querySelector("#repeat-reasons");
  if (!reasons) return;
  if (event && event.target.name === "training") form.dataset.trainingAnswered = "true";
  const repeat = form.elements.supply_type.value === "repeat";
  reasons.hidden = !repeat;
  if (form.dataset.trainingAnswered) return;
  for (const radio of form.elements.training) radio.checked = repeat && radio.value === "already_trained";
}

/** Once initials, date of birth and sex are complete, make the code and look them up:
 * a person supplied here before with consent needs no second consent tick. */
async function recognise(form) {
  const { rc_initials: initials, rc_dob: born, rc_sex: sex } = form.elements;
  const status = form.querySelector("#recognised");
  const complete = /^[A-Za-z]{2}$/.test(initials.value.trim()) && born.value && sex.value;
  delete form.dataset.knownConsent;
  status.hidden = true;
  form.querySelector("#consent-field").hidden = false;
  if (!complete) return;
  const asked = `${initials.value}|${born.value}|${sex.value}`;
  form.dataset.asked = asked;
  let code;
  try {
    code = await recipientCode((await getMeta("snapshot", {})).recipient_code_salt,
      initials.value, born.value, sex.value);
  } catch { return; }
  if (form.dataset.asked !== asked) return;  // changed while the code was being made
  const note = await lookUp(code);
  if (!note) return;
  form.dataset.knownConsent = note.consentId;
  form.querySelector("#consent-field").hidden = true;
  if (!form.elements.area.value && note.area) form.elements.area.value = note.area;
  if (note.category) form.elements.recipient_category.value = note.category;
  status.hidden = false;
  status.textContent = `Recognised: supplied on this ${DEVICE} before (${ukDate(note.on)}), `
    + `their consent is on record.${note.area ? ` Postcode district ${note.area} filled in.` : ""}`;
  saveDraft(form);
}

/** What a saved record is, in the words of the form, without anything identifying. */
function describe(kind, d) {
  const vocab = (name, code) => ((lastSnapshot.vocabularies || {})[name] || {})[code] || code;
  if (kind === "kit_supply") {
    const what = `${d.supply_type === "repeat" ? "Repeat" : "First"} supply of ${d.quantity} kit${d.quantity === 1 ? "" : "s"}`;
    return [what, d.recipient_code ? "to someone recognised next time" : null, `on ${ukDate(d.supplied_on)}`].filter(Boolean).join(", ");
  }
  if (kind === "training_session") return `Training on ${ukDate(d.session_date)}`;
  if (kind === "naloxone_use_report") return `Use report on ${ukDate(d.used_on)} (${vocab("use_outcomes", d.outcome)})`;
  if (kind === "stock_movement") return `${d.quantity} kit${d.quantity === 1 ? "" : "s"} ${vocab("stock_movement_kinds", d.kind).toLowerCase()}, ${ukDate(d.moved_on)}`;
  if (kind === "transfer_receipt") return `Kits received: ${d.quantity_received}`;
  return KIND_LABEL[kind] || kind;
}
let lastSnapshot = {};

function checkLocally(kind, data) {
  const errors = {};
  if (kind === "kit_supply") {
    if (!data.supply_type) errors.supply_type = ["Choose first kit or repeat."];
    if (data.supply_type === "repeat" && !data.repeat_reason) errors.repeat_reason = ["Choose why a repeat is needed."];
    if (data.supply_type !== "repeat") data.repeat_reason = null;
    if (!data.recipient_category) errors.recipient_category = ["Choose who it is for."];
    if (!data.batch_id) errors.batch_id = ["Choose the kit you are handing out."];
    if (!(data.quantity >= 1)) errors.quantity = ["Give at least one kit."];
    if (!data.training) errors.training = ["Choose whether they were trained."];
    if (!data.site_id) errors.site_id = ["Choose where you are."];
    if (data.referral_accepted && !data.referral_offered) data.referral_offered = true;
    if (!data.referral_accepted || !data.referral_destination_id) data.referral_destination_id = null;
  }
  if (kind === "naloxone_use_report") {
    for (const field of ["place_type", "administered_by", "route", "outcome"]) {
      if (!data[field]) errors[field] = ["Choose one."];
    }
    if (!(data.doses >= 1)) errors.doses = ["At least one dose."];
  }
  if (kind === "kit_supply" && !data.age_band) data.age_band = null;
  if (kind === "stock_movement") {
    if (!data.kind) errors.kind = ["Choose what happened."];
    if (!data.batch_id) errors.batch_id = ["Choose the kits."];
    if (!(data.quantity >= 1)) errors.quantity = ["At least one kit."];
    if (!("site_id" in data) || !data.site_id) data.site_id = null;
  }
  if (kind === "training_session") {
    if (!data.mode) errors.mode = ["Choose one."];
    if (!data.kind) errors.kind = ["Choose one."];
    if (!data.topics.length) errors.topics = ["Tick the topics you covered."];
  }
  if (kind === "training_session" && !data.site_id) data.site_id = null;
  if (kind === "training_session" && !data.trainee_user_id) data.trainee_user_id = null;
  const area = (data.area || "").toUpperCase().replace(/\s+/g, " ");
  if ("area" in data) {
    if (/^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/.test(area)) errors.area = ["Only the first half of the postcode, e.g. M14."];
    data.area = area || "UNKNOWN";
  }
  return errors;
}

async function submitForm(event) {
  event.preventDefault();
  const form = event.target;
  const kind = form.dataset.kind;
  const data = { ...readForm(form), client_created_at: new Date().toISOString() };
  const errors = checkLocally(kind, data);
  const records = [];
  const id = crypto.randomUUID();
  // A use report that looked like a bad batch: the report form comes next, linked to it.
  const badBatch = kind === "naloxone_use_report" && form.elements.bad_batch.checked
    && !form.dataset.fixing;
  let code = null;
  if (kind === "kit_supply") {
    const { rc_initials: initials, rc_dob: born, rc_sex: sex, consent_given: agreed } = form.elements;
    const recorded = form.querySelector("#consent-record").checked || agreed.checked;
    const asked = initials.value.trim() || born.value || sex.value;
    if (asked && !form.dataset.knownConsent && !agreed.checked) {
      errors.consent_given = ["Tick that they agree to be recognised next time, or clear their initials, date of birth and sex."];
    } else if (asked || agreed.checked) {
      try {
        code = await recipientCode((await getMeta("snapshot", {})).recipient_code_salt,
          initials.value, born.value, sex.value);
      } catch (error) {
        errors.rc_initials = [error.message];
      }
    }
    if (code) data.recipient_code = code;
    // A code only with agreement to be recognised; a consent (without a code) when they
    // agree only to being recorded. It names the notice this phone showed.
    if (code || (recorded && !form.dataset.knownConsent)) {
      data.consent_id = form.dataset.knownConsent || null;
      if (!data.consent_id) {
        data.consent_id = crypto.randomUUID();
        const notice = (await getMeta("snapshot", {})).privacy_notice;
        records.push({ id: data.consent_id, kind: "consent", data: {
          client_created_at: data.client_created_at, recipient_code: code,
          consent_to_record: true, consent_to_share: true, consent_to_recognise: Boolean(code),
          method: "verbal", privacy_notice_version: notice ? notice.version : null,
          given_on: data.supplied_on } });
      }
    }
  }
  if (Object.keys(errors).length) { showErrors(form, errors); return; }
  showErrors(form, {});
  if (form.dataset.fixing) {
    const entry = (await outboxEntries()).find((e) => e.id === form.dataset.fixing);
    if (entry) await resubmit(entry, data);
    delete form.dataset.fixing;
  } else {
    if (kind === "field_report" && form.dataset.useReportId) data.use_report_id = form.dataset.useReportId;
    records.push({ id, kind, data });
    await saveRecords(records);
  }
  if (code) await remember(code, { consentId: data.consent_id, area: data.area === "UNKNOWN" ? "" : data.area,
                                   category: data.recipient_category });
  if (data.repeat_reason) await countReason(data.repeat_reason);
  const last = await getMeta("lastChoices", {});
  await setMeta({ lastChoices: { ...last, ...(data.site_id ? { site_id: data.site_id } : {}),
    ...(data.recipient_category ? { recipient_category: data.recipient_category } : {}) } });
  clearDraft(form);
  form.reset();
  for (const key of ["trainingAnswered", "knownConsent", "asked", "useReportId"]) delete form.dataset[key];
  for (const container of form.querySelectorAll("[data-vocab]")) container.replaceChildren();
  channel?.postMessage("changed");
  await confirmSaved(describe(kind, data));
  if (badBatch) {
    const report = $(FORMS.report);
    report.dataset.useReportId = id;
    fillForm(report, { seen_on: data.used_on, area: data.area, more_than_one_dose: data.doses > 1 });
    location.hash = "#report";
  } else {
    location.hash = "#home";
  }
  requestSync();
}

/** Saved: say what, and keep saying it until the person taps OK (sync news goes elsewhere). */
async function confirmSaved(what) {
  await setMeta({ savedConfirmation: `Saved: ${what}.` });
}

async function renderSaved() {
  const text = await getMeta("savedConfirmation");
  $("#saved").hidden = !text;
  $("#saved-what").textContent = text || "";
}

// ---- Stock: transfers to confirm, returns and kits out of use --------------------------

async function renderStock(name) {
  await openForm(name);
  const snapshot = await getMeta("snapshot", {});
  const confirmed = new Set((await outboxEntries()).filter((e) => e.kind === "transfer_receipt")
    .map((e) => e.record.data.movement_id));
  const transfers = (snapshot.transfers_to_confirm || []).filter((t) => !confirmed.has(t.id));
  const list = $("#transfer-list");
  if (!transfers.length) { list.innerHTML = '<li class="hint">Nothing waiting to be confirmed.</li>'; return; }
  list.replaceChildren(...transfers.map((t) => {
    const li = document.createElement("li");
    li.className = "card";
    const title = document.createElement("h3");
    title.textContent = `${t.quantity} × ${t.product_name} ${t.batch_number}, sent ${ukDate(t.moved_on)}`;
    const field = document.createElement("div");
    field.className = "field";
    const label = document.createElement("label");
    label.htmlFor = `received-${t.id}`;
    label.textContent = "How many arrived";
    const input = document.createElement("input");
    Object.assign(input, { id: `received-${t.id}`, type: "number", min: "0", max: "500",
                           value: String(t.quantity), inputMode: "numeric" });
    field.append(label, input);
    const confirmButton = document.createElement("button");
    confirmButton.type = "button";
    confirmButton.className = "button-primary";
    confirmButton.textContent = "Confirm received";
    confirmButton.addEventListener("click", async () => {
      const quantity = Number(input.value);
      if (!Number.isInteger(quantity) || quantity < 0) { input.focus(); return; }
      await saveRecords([{ kind: "transfer_receipt", data: {
        client_created_at: new Date().toISOString(), movement_id: t.id, quantity_received: quantity } }]);
      channel?.postMessage("changed");
      await confirmSaved(`${quantity} of ${t.quantity} kits received (${t.product_name} ${t.batch_number})`);
      requestSync();
      renderStock(name);
    });
    li.append(title, field, confirmButton);
    return li;
  }));
}

// ---- Needs attention ---------------------------------------------------------------

const KIND_SCREEN = { kit_supply: "supply", training_session: "training", naloxone_use_report: "use",
                      stock_movement: "stock", field_report: "report" };
const KIND_LABEL = { kit_supply: "Kit supply", training_session: "Training", naloxone_use_report: "Use report",
                     consent: "Consent", stock_movement: "Kits returned or reported", consent_withdrawal: "Consent withdrawal",
                     transfer_receipt: "Kits received", discard_notice: "Discard notice" };

async function renderAttention() {
  const entries = (await outboxEntries()).filter((e) => e.state === "attention");
  const list = $("#attention-list");
  if (!entries.length) { list.innerHTML = "<li>Nothing needs attention.</li>"; return; }
  list.replaceChildren(...entries.map((entry) => {
    const li = document.createElement("li");
    li.className = "card";
    const title = document.createElement("h2");
    title.textContent = `${KIND_LABEL[entry.kind] || entry.kind}, saved ${ukDateTime(entry.record.savedAt)}`;
    const why = document.createElement("ul");
    const answer = entry.answer || {};
    const form = KIND_SCREEN[entry.kind] && $(FORMS[KIND_SCREEN[entry.kind]]);
    const reasons = Object.entries(answer.errors || {}).map(([f, m]) => `${(form && fieldLabel(form, f)) || f.replaceAll("_", " ")}: ${[].concat(m).join(" ")}`);
    if (answer.message) reasons.unshift(answer.message);
    for (const reason of reasons.length ? reasons : ["The server did not accept it."]) {
      const item = document.createElement("li");
      item.textContent = reason;
      why.append(item);
    }
    const actions = document.createElement("div");
    actions.className = "row";
    if (KIND_SCREEN[entry.kind]) {
      const fix = document.createElement("button");
      fix.type = "button";
      fix.className = "button-primary";
      fix.textContent = "Fix and send again";
      fix.addEventListener("click", async () => {
        const form = $(FORMS[KIND_SCREEN[entry.kind]]);
        if (!(await prepareForm(form))) { location.hash = `#${KIND_SCREEN[entry.kind]}`; return; }
        form.dataset.fixing = entry.id;
        fillForm(form, entry.record.data);
        form.dataset.trainingAnswered = "true";
        location.hash = `#${KIND_SCREEN[entry.kind]}`;
        await new Promise((resolve) => setTimeout(resolve, 0));
        showErrors(form, answer.errors || {});
      });
      actions.append(fix);
    }
    const drop = document.createElement("button");
    drop.type = "button";
    drop.className = "button-secondary";
    drop.textContent = "Discard";
    drop.addEventListener("click", async () => {
      if (!confirm("Discard this record? Your coordinator is told that you discarded it and why, but not what it said.")) return;
      await discard(entry);
      channel?.postMessage("changed");
      renderAttention();
    });
    actions.append(drop);
    li.append(title, why, actions);
    return li;
  }));
}

// ---- Device -------------------------------------------------------------------------

async function renderDevice() {
  const snapshot = await getMeta("snapshot", {});
  const user = snapshot.user || (await getMeta("user")) || {};
  $("#device-user").textContent = `${user.display_name || "–"} (${user.username || "–"})`;
  $("#device-org").textContent = user.organisation_name || "–";
  let storage = (await getMeta("persisted")) ? "Kept safe (persistent)" : "May be cleared by the phone when space is low";
  if (navigator.storage?.estimate) {
    const { usage } = await navigator.storage.estimate();
    storage += `; ${Math.round((usage || 0) / 1024)} KB used`;
  }
  $("#device-storage").textContent = storage;
  const { queued, attention } = await outboxCounts();
  const unsent = queued + attention;
  $("#signout-warning").hidden = unsent === 0;
  $("#signout-warning").textContent = `${unsent} record${unsent === 1 ? " has" : "s have"} not reached the server. Signing out sends ${unsent === 1 ? "it" : "them"} first if there is signal; otherwise it deletes ${unsent === 1 ? "it" : "them"}.`;
  $("#signout-confirm-label").hidden = unsent === 0;
}

/** Sign out: send what is waiting, then the server revokes this phone's token, then the
 * phone deletes PeerKit's data. Without signal it says so and signs out only when told to. */
async function signOut(event) {
  event.preventDefault();
  const button = event.target.querySelector("button[type=submit]");
  button.disabled = true;
  $("#signout-warning").hidden = false;
  $("#signout-warning").textContent = "Sending what is waiting, then signing out…";
  const { left, signedOut } = await signOutDevice();
  button.disabled = false;
  const unsent = left.queued + left.attention;
  if (!signedOut && !$("#signout-confirm").checked) {
    $("#signout-confirm-label").hidden = false;
    $("#signout-warning").textContent = unsent
      ? `${unsent} record${unsent === 1 ? " has" : "s have"} not reached the server. Find signal and tap Sign out again: it signs out once they are sent. Or tick the box to sign out now and lose ${unsent === 1 ? "it" : "them"}.`
      : "No signal: the server could not be told. Find signal and tap Sign out again, or tick the box to sign out now (ask your coordinator to lock this phone out).";
    return;
  }
  await wipe();
  channel?.postMessage("changed");
  // A fresh start at Home: changing the hash first would render screens from a deleted
  // database while the page reloads.
  location.replace(location.pathname);
}

// ---- Signal, updates, storage -------------------------------------------------------

function showNetwork() {
  const online = navigator.onLine;
  const net = $("#net");
  net.textContent = online ? "Online" : `Offline: records are kept on this ${DEVICE}`;
  net.className = `net ${online ? "online" : "offline"}`;
}

function formInProgress() {
  return [...document.querySelectorAll("form[data-dirty]")].some((f) => !f.closest("[hidden]"));
}

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  const offer = (worker) => { waitingWorker = worker; $("#update-banner").hidden = false; };
  if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    worker?.addEventListener("statechange", () => {
      if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
    });
  });
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // Reload only when the person tapped "Switch now" (drafts are kept); the first
    // worker taking control of a fresh install needs no reload.
    if (switching) location.reload();
  });
}

async function askForPersistence() {
  if (!navigator.storage?.persist) return;
  const persisted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
  await setMeta({ persisted });
}

// ---- Start --------------------------------------------------------------------------

async function start() {
  for (const word of document.querySelectorAll("[data-device]")) word.textContent = DEVICE;
  await openDb();
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
  $("#update-now").addEventListener("click", async () => {
    await Promise.all([...document.querySelectorAll("form[data-dirty]")].map(saveDraft));
    switching = true;
    waitingWorker?.postMessage({ type: "SKIP_WAITING" });
  });
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
  $("#revoked-forget-confirm").addEventListener("click", forgetUnsent);
  channel?.addEventListener("message", () => route());
  onSyncEvent(async (event) => {
    const status = $("#sync-status");
    if (event.type === "progress" && event.total) status.textContent = `Sending ${event.sent} of ${event.total}…`;
    if (event.type === "start") status.textContent = "Syncing…";
    if (event.type === "done") status.textContent = "All sent.";
    if (event.type === "failed") status.textContent = `Could not reach the server (${event.message}). Trying again in ${event.retryIn} s.`;
    if (event.type === "expired" || event.type === "wiped") { route(); return; }
    if (event.type === "revoked") {
      await renderRevoked();
      show("revoked");
      channel?.postMessage("changed");
      return;
    }
    if (event.type === "done" || event.type === "failed") {
      channel?.postMessage("changed");
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
