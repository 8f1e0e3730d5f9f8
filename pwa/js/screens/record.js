// The record forms: supply, training, use report, suspected bad batch (and the stock form's
// lists): filling their choices offline, checking, recognising a person, saving.
import { getMeta, outboxEntries, resubmit, saveRecords, setMeta } from "../db.js";
import { clearDraft, fillForm, readForm, restoreDraft, saveDraft, showErrors } from "../forms.js";
import { recipientCode } from "../recipient-code.js";
import { countReason, lookUp, reasonCounts, remember } from "../returning.js";
import { t } from "../i18n.js";
import { requestSync } from "../sync.js";
import { $, channel, confirmSaved, deviceWord, fetched, FORMS, heldSupplies, kitsInHand, today,
  ukDate } from "./shared.js";

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
    // The English label (the catalogue's id) stays with it, so a change of language relabels
    // the choices in place, keeping what was ticked.
    wrap.dataset.label = label;
    wrap.append(input, ` ${t(label)}`);
    return wrap;
  }));
}

/** Relabel every built choice in the phone's language (after the language changes). */
export function relabelChoices() {
  for (const wrap of document.querySelectorAll("[data-vocab] label[data-label]")) {
    wrap.lastChild.data = ` ${t(wrap.dataset.label)}`;
  }
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

/** A form is made from the snapshot: before the first pull it would have no choices and
 * could not be filled, so the screen says what to do instead of showing it half-made. */
function showFetched(form, ready) {
  let notice = form.previousElementSibling;
  if (!notice || !notice.matches("[data-not-fetched]")) {
    notice = document.createElement("p");
    notice.className = "flash flash-error";
    notice.dataset.notFetched = "";
    notice.setAttribute("role", "status");
    notice.textContent = t("This {device} has not fetched its lists yet (kits, sites and choices). Find signal and tap Sync now on Home; this form opens once they arrive.", { device: deviceWord() });
    form.before(notice);
  }
  notice.hidden = ready;
  form.hidden = !ready;
}

/** Fill a form's choices and lists from the snapshot; false (and nothing filled) when the
 * phone has none yet. Needs the app unlocked (the snapshot is encrypted: throws Locked). */
export async function prepareForm(form) {
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
    options(select, [["", t(select.dataset.empty || "")],
      ...Object.entries(vocabularies[select.dataset.vocabSelect] || {}).map(([code, label]) => [code, t(label)])]);
    select.value = current;
  }
  const destinationSelect = form.querySelector("select[name=referral_destination_id]");
  if (destinationSelect) {
    const current = destinationSelect.value;
    const places = Object.values(await getMeta("referral_destinations", {})).filter((d) => d.active);
    options(destinationSelect, [["", t("Not said")], ...places.map((d) => [d.id, d.name])]);
    destinationSelect.value = current;
  }
  const sites = Object.values(await getMeta("sites", {})).filter((s) => s.active);
  for (const select of form.querySelectorAll("select[name=site_id]")) {
    const current = select.value;
    options(select, sites.map((s) => [s.id, s.name]), t("No site"));
    // The last site used is right far more often than the first in the list.
    if (current) select.value = current;
    else if (last.site_id && sites.some((s) => String(s.id) === String(last.site_id))) select.value = last.site_id;
  }
  const trainee = form.querySelector("select[name=trainee_user_id]");
  if (trainee) {
    options(trainee, [["", t("Nobody: recipients only")],
      ...(snapshot.colleagues || []).map((c) => [c.id, c.display_name])]);
  }
  const batchSelect = form.querySelector("select[name=batch_id]");
  if (batchSelect) {
    // Only good kits to hand out; any kit in hand may be returned or reported.
    const kits = (await kitsInHand()).filter((k) => "allKits" in batchSelect.dataset
      || (!k.recalled && Date.parse(k.expiry_date) >= Date.parse(today())));
    options(batchSelect, kits.map((k) => [k.batch_id,
      t("{kit}, expires {date} ({n} in hand)", { kit: `${k.product_name} ${k.batch_number}`,
                                                  date: ukDate(k.expiry_date), n: k.quantity })]),
      t("No kits in hand: sync to update"));
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
      ? t("{text} (version {version}, from {date})", { text: notice.text, version: notice.version,
                                                       date: ukDate(notice.in_force_from) })
      : t("Your service has not published a privacy notice yet: ask your coordinator.");
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

export async function openForm(name) {
  const form = $(FORMS[name]);
  if (!(await prepareForm(form))) return;
  if (!form.dataset.fixing) await restoreDraft(form);
  toggleRepeat(form);
}

/** A repeat means they had a kit, and its training, before: say so, unless the person
 * answered the training question themselves. */
export function toggleRepeat(form, event) {
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
export async function recognise(form) {
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
  const values = { device: deviceWord(), date: ukDate(note.on), area: note.area };
  status.textContent = note.area
    ? t("Recognised: supplied on this {device} before ({date}), their consent is on record. Postcode district {area} filled in.", values)
    : t("Recognised: supplied on this {device} before ({date}), their consent is on record.", values);
  saveDraft(form);
}

function checkLocally(kind, data) {
  const errors = {};
  if (kind === "kit_supply") {
    if (!data.supply_type) errors.supply_type = [t("Choose first kit or repeat.")];
    if (data.supply_type === "repeat" && !data.repeat_reason) errors.repeat_reason = [t("Choose why a repeat is needed.")];
    if (data.supply_type !== "repeat") data.repeat_reason = null;
    if (!data.recipient_category) errors.recipient_category = [t("Choose who it is for.")];
    if (!data.batch_id) errors.batch_id = [t("Choose the kit you are handing out.")];
    if (!(data.quantity >= 1)) errors.quantity = [t("Give at least one kit.")];
    if (!data.training) errors.training = [t("Choose whether they were trained.")];
    if (!data.site_id) errors.site_id = [t("Choose where you are.")];
    if (data.referral_accepted && !data.referral_offered) data.referral_offered = true;
    if (!data.referral_accepted || !data.referral_destination_id) data.referral_destination_id = null;
  }
  if (kind === "naloxone_use_report") {
    for (const field of ["place_type", "administered_by", "route", "outcome"]) {
      if (!data[field]) errors[field] = [t("Choose one.")];
    }
    if (!(data.doses >= 1)) errors.doses = [t("At least one dose.")];
  }
  if (kind === "kit_supply" && !data.age_band) data.age_band = null;
  if (kind === "stock_movement") {
    if (!data.kind) errors.kind = [t("Choose what happened.")];
    if (!data.batch_id) errors.batch_id = [t("Choose the kits.")];
    if (!(data.quantity >= 1)) errors.quantity = [t("At least one kit.")];
    if (!("site_id" in data) || !data.site_id) data.site_id = null;
  }
  if (kind === "training_session") {
    if (!data.mode) errors.mode = [t("Choose one.")];
    if (!data.kind) errors.kind = [t("Choose one.")];
    if (!data.topics.length) errors.topics = [t("Tick the topics you covered.")];
  }
  if (kind === "training_session" && !data.site_id) data.site_id = null;
  if (kind === "training_session" && !data.trainee_user_id) data.trainee_user_id = null;
  const area = (data.area || "").toUpperCase().replace(/\s+/g, " ");
  if ("area" in data) {
    if (/^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/.test(area)) errors.area = [t("Only the first half of the postcode, e.g. M14.")];
    data.area = area || "UNKNOWN";
  }
  return errors;
}

export async function submitForm(event) {
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
      errors.consent_given = [t("Tick that they agree to be recognised next time, or clear their initials, date of birth and sex.")];
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
  await confirmSaved(kind, data);
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
