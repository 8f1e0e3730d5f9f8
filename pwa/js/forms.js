// Reading the record forms into API payloads, and keeping drafts so nothing typed is lost
// (an update, a reload or a phone call in the middle of a form).

const NUMBER_FIELDS = new Set(["quantity", "doses", "site_id", "batch_id", "attendees_at_risk",
  "attendees_family", "attendees_worker", "attendees_unknown", "kits_taken", "trainee_user_id"]);
const BOOLEAN_FIELDS = new Set(["referral_offered", "referral_accepted", "called_999",
  "stayed_with_person"]);
// Inputs that never leave the form: they feed the recipient code and are then cleared.
export const PRIVATE_FIELDS = new Set(["rc_initials", "rc_dob", "rc_sex", "consent_given"]);

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

export function saveDraft(form) {
  sessionStorage.setItem(draftKey(form), JSON.stringify(readForm(form)));
  form.dataset.dirty = "true";
}

export function restoreDraft(form) {
  const saved = sessionStorage.getItem(draftKey(form));
  if (!saved) return false;
  fillForm(form, JSON.parse(saved));
  form.dataset.dirty = "true";
  return true;
}

export function clearDraft(form) {
  sessionStorage.removeItem(draftKey(form));
  delete form.dataset.dirty;
}

/** Show the server's (or our own) field messages beside the fields they name. */
export function showErrors(form, errors) {
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  for (const element of form.querySelectorAll("[aria-invalid]")) element.removeAttribute("aria-invalid");
  const summary = [];
  for (const [field, messages] of Object.entries(errors || {})) {
    const text = [].concat(messages).join(" ");
    const element = form.elements[field];
    const target = element && (element.length && !element.tagName ? element[0] : element);
    if (target && target.closest) {
      const holder = target.closest("fieldset, .field") || target.parentElement;
      const note = document.createElement("p");
      note.className = "field-error error-message";
      note.textContent = text;
      holder.append(note);
      if (target.setAttribute) target.setAttribute("aria-invalid", "true");
    }
    summary.push(`${field.replaceAll("_", " ")}: ${text}`);
  }
  form.querySelector(".form-error").textContent = summary.length
    ? `Please check: ${summary.join(" ")}` : "";
}
