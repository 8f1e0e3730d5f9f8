// Needs attention: records the server refused, to fix and send again or discard on purpose.
import { discard, outboxEntries } from "../db.js";
import { fieldLabel, fillForm, showErrors } from "../forms.js";
import { t } from "../i18n.js";
import { prepareForm } from "./record.js";
import { $, channel, FORMS, kindLabel, KIND_SCREEN, ukDateTime } from "./shared.js";

export async function renderAttention() {
  const entries = (await outboxEntries()).filter((e) => e.state === "attention");
  const list = $("#attention-list");
  if (!entries.length) {
    const none = document.createElement("li");
    none.textContent = t("Nothing needs attention.");
    list.replaceChildren(none);
    return;
  }
  list.replaceChildren(...entries.map((entry) => {
    const li = document.createElement("li");
    li.className = "card";
    const title = document.createElement("h2");
    title.textContent = t("{what}, saved {when}", { what: kindLabel(entry.kind), when: ukDateTime(entry.record.savedAt) });
    const why = document.createElement("ul");
    const answer = entry.answer || {};
    const form = KIND_SCREEN[entry.kind] && $(FORMS[KIND_SCREEN[entry.kind]]);
    const reasons = Object.entries(answer.errors || {}).map(([f, m]) => `${(form && fieldLabel(form, f)) || f.replaceAll("_", " ")}: ${[].concat(m).join(" ")}`);
    if (answer.message) reasons.unshift(answer.message);
    for (const reason of reasons.length ? reasons : [t("The server did not accept it.")]) {
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
      fix.textContent = t("Fix and send again");
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
    drop.textContent = t("Discard");
    drop.addEventListener("click", async () => {
      if (!confirm(t("Discard this record? Your coordinator is told that you discarded it and why, but not what it said."))) return;
      await discard(entry);
      channel?.postMessage("changed");
      renderAttention();
    });
    actions.append(drop);
    li.append(title, why, actions);
    return li;
  }));
}
