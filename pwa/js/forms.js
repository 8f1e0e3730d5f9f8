// Reading the record forms into API payloads, and keeping drafts so nothing typed is lost
// (an update, a reload or a phone call in the middle of a form). Drafts are encrypted with
// the data key (vault.js): a half-typed postcode district is kept like a saved record.
import { t } from "./i18n.js";
import { decryptText, encryptText } from "./vault.js";

const NUMBER_FIELDS = new Set(["quantity", "doses", "site_id", "batch_id", "attendees_at_risk",
  "attendees_family", "attendees_worker", "attendees_unknown", "kits_taken", "trainee_user_id",
  "referral_destination_id"]);
const BOOLEAN_FIELDS = new Set(["referral_offered", "referral_accepted", "called_999",
  "stayed_with_person"]);
// Inputs that never leave the form: they feed the recipient code and are then cleared, or
// say what to do next (a use report that looked like a bad batch).
export const PRIVATE_FIELDS = new Set(["rc_initials", "rc_dob", "rc_sex", "consent_given",
  "bad_batch"]);

export function readForm(form) {
  const data = {};
  for (const element of form.elements) {
    if (!element.name || PRIVATE_FIELDS.has(element.name)) continue;
    const name = element.name;
    if (element.type === "checkbox" && element.closest("[data-type=checkbox]")) {
      data[name] = data[name] || [];
      if (element.checked) data[name].push(element.value);
    } else if (element.type === "checkbox") {
      data[name] = element.checked;
    } else if (element.type === "radio") {
      if (element.checked) data[name] = element.value;
      else if (!(name in data)) data[name] = null;
    } else if (NUMBER_FIELDS.has(name)) {
      data[name] = element.value === "" ? null : Number(element.value);
    } else {
      data[name] = element.value.trim();
    }
  }
  for (const name of BOOLEAN_FIELDS) if (name in data) data[name] = Boolean(data[name]);
  return data;
}

export function fillForm(form, data) {
  for (const element of form.elements) {
    if (!element.name || !(element.name in data)) continue;
    const value = data[element.name];
    if (element.type === "checkbox" && Array.isArray(value)) element.checked = value.includes(element.value);
    else if (element.type === "checkbox") element.checked = Boolean(value);
    else if (element.type === "radio") element.checked = element.value === String(value);
    else element.value = value ?? "";
  }
}

const draftKey = (form) => `peerkit-draft:${form.id}`;

const drafting = new Map();  // per form: the newest keystroke's draft wins

export async function saveDraft(form) {
  form.dataset.dirty = "true";
  const turn = (drafting.get(form) || 0) + 1;
  drafting.set(form, turn);
  let text;
  try { text = await encryptText(readForm(form)); } catch { return; }  // locked: the form keeps it
  if (drafting.get(form) === turn) sessionStorage.setItem(draftKey(form), text);
}

export async function restoreDraft(form) {
  const saved = sessionStorage.getItem(draftKey(form));
  if (!saved) return false;
  let data;
  try {
    data = await decryptText(saved);
  } catch {
    // A draft kept by the version before the lock (plain JSON) is restored once, then
    // saved again encrypted; one made with a forgotten PIN's key cannot be read.
    try { data = JSON.parse(saved); } catch { return false; }
  }
  fillForm(form, data);
  form.dataset.dirty = "true";
  return true;
}

export function clearDraft(form) {
  drafting.set(form, (drafting.get(form) || 0) + 1);
  sessionStorage.removeItem(draftKey(form));
  delete form.dataset.dirty;
}

/** The words a person sees for a field: its label, or its group's question. */
export function fieldLabel(form, name) {
  const element = form.elements[name];
  const target = element && (element.length && !element.tagName ? element[0] : element);
  if (!target || !target.closest) return null;
  // A choice among several is named by its question; a field or a lone tick by its label.
  const choice = target.type === "radio" || target.closest("[data-type=checkbox]");
  const own = (target.id && form.querySelector(`label[for="${target.id}"]`)) || target.closest("label");
  const group = target.closest("fieldset");
  const text = (!choice && own) ? own.textContent
    : group ? group.querySelector("legend").textContent : (own || {}).textContent;
  return text ? text.replace(/\s+/g, " ").trim() : null;
}

/** Show the server's (or our own) messages beside the fields they name, in a summary that
 * names each field by its visible label, and move the focus to the first one. */
export function showErrors(form, errors) {
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  for (const element of form.querySelectorAll("[aria-invalid]")) element.removeAttribute("aria-invalid");
  const summary = [];
  let first = null;
  // In the order the fields appear on the form, not the order the messages came in.
  const position = (name) => [...form.elements].findIndex((e) => e.name === name);
  const entries = Object.entries(errors || {}).sort(([a], [b]) => position(a) - position(b));
  for (const [field, messages] of entries) {
    const text = [].concat(messages).join(" ");
    const element = form.elements[field];
    const target = element && (element.length && !element.tagName ? element[0] : element);
    if (target && target.closest) {
      const holder = target.closest(".field, fieldset") || target.parentElement;
      const note = document.createElement("p");
      note.className = "field-error error-message";
      note.textContent = text;
      holder.append(note);
      if (target.setAttribute) target.setAttribute("aria-invalid", "true");
      if (!first && !target.closest("[hidden]")) first = target;
    }
    summary.push(`${fieldLabel(form, field) || t("This record")}: ${text}`);
  }
  form.querySelector(".form-error").textContent = summary.length
    ? t("Please check: {problems}", { problems: summary.join(" ") }) : "";
  if (first) {
    first.focus();
    first.scrollIntoView({ block: "center" });
  }
}
