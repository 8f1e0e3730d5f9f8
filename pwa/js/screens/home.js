// Home: what waits to send, sync, warnings, what was held, drug alerts and kits in hand.
import { dismissWarning, getMeta, outboxEntries, sentNotices } from "../db.js";
import { t } from "../i18n.js";
import { $, DAY_MS, describe, fetched, heldSupplies, kindLabel, kitsInHand, PHONE, savedSentence, setLastSnapshot, ukDate,
  ukDateTime } from "./shared.js";

export async function renderHome() {
  const snapshot = await getMeta("snapshot", {});
  setLastSnapshot(snapshot);
  $("#not-fetched").hidden = fetched(snapshot);
  const entries = await outboxEntries();
  const queued = entries.filter((e) => e.state === "queued");
  const attention = entries.filter((e) => e.state === "attention");
  // A supply and the consent made with it are one thing to the person: count them as one.
  const consentsWithSupply = new Set(queued.filter((e) => e.kind === "kit_supply")
    .map((e) => e.record.data.consent_id).filter(Boolean));
  const waiting = queued.filter((e) => !(e.kind === "consent" && consentsWithSupply.has(e.id)));
  $("#waiting-count").textContent = waiting.length;
  $("#waiting-label").textContent = waiting.length === 1 ? t("record waiting to send") : t("records waiting to send");
  $("#waiting-details").hidden = waiting.length === 0;
  $("#waiting-list").replaceChildren(...waiting.map((e) => {
    const li = document.createElement("li");
    li.textContent = t("{what}, saved {when}", { what: describe(e.kind, e.record.data), when: ukDateTime(e.record.savedAt) });
    return li;
  }));
  $("#attention-count").textContent = attention.length;
  $("#attention-link").hidden = attention.length === 0;
  $("#last-sync").textContent = ukDateTime(await getMeta("lastSync"));

  const warnings = [];
  const oldest = queued[0] && Date.parse(queued[0].queuedAt);
  if (oldest && Date.now() - oldest > DAY_MS) {
    warnings.push(["error", t("Some records have waited more than a day. Find signal and tap Sync now: records kept only on a phone can be lost.")]);
  }
  if ((await getMeta("persisted")) === false) {
    warnings.push(["info", PHONE
      ? t("This phone may clear PeerKit's storage when space runs low. Add PeerKit to your home screen and sync often.")
      : t("This browser may clear PeerKit's storage when space runs low. Sync often.")]);
  }
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
      const grading = { red: t("RED"), amber: t("AMBER"), info: t("INFORMATION") }[a.grading] || a.grading.toUpperCase();
      title.textContent = `${grading}: ${a.substance}`;
      const where = document.createElement("p");
      where.textContent = `${a.area_description}. ${a.description}`;
      const advice = document.createElement("p");
      advice.textContent = a.advice;
      const until = document.createElement("p");
      until.className = "hint";
      until.textContent = t("Until {date}", { date: ukDate(a.expires_at) });
      article.append(title, where, advice, until);
      return article;
    }));
  } else {
    const none = document.createElement("p");
    none.className = "hint";
    none.textContent = t("No active alerts.");
    alertBox.replaceChildren(none);
  }

  await renderSent();
  await renderSaved();

  const rows = (await kitsInHand()).filter((k) => k.quantity !== 0).map((k) => {
    const tr = document.createElement("tr");
    const soon = Date.parse(k.expiry_date) - Date.now() < 90 * DAY_MS;
    tr.innerHTML = "<td></td><td></td><td class=\"num\"></td>";
    tr.cells[0].textContent = k.recalled ? t("{kit} (RECALLED: do not give out)", { kit: `${k.product_name} ${k.batch_number}` })
      : `${k.product_name} ${k.batch_number}`;
    tr.cells[1].textContent = soon ? t("{date} (soon)", { date: ukDate(k.expiry_date) }) : ukDate(k.expiry_date);
    tr.cells[2].textContent = k.quantity;
    return tr;
  });
  $("#kits tbody").replaceChildren(...rows);
  if (!rows.length) {
    $("#kits tbody").innerHTML = '<tr><td colspan="3"></td></tr>';
    $("#kits tbody td").textContent = t("No kits recorded in your hands.");
  }
}

/** What the server kept but held for review, and warnings to act on (e.g. a recall). */
export async function renderSent() {
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
    ok.textContent = t("Done");
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
    title.textContent = [kindLabel(n.kind), n.what, n.on && ukDate(n.on)].filter(Boolean).join(", ");
    const why = document.createElement("p");
    why.textContent = n.message;
    li.append(title, why);
    return li;
  }));
}

export async function renderSaved() {
  const text = savedSentence(await getMeta("savedConfirmation"));
  $("#saved").hidden = !text;
  $("#saved-what").textContent = text;
}
