// Online set-up: the signed-in person enrols this phone and keeps its device token.
// The server recognises this browser by an HttpOnly cookie of its own and retires the
// phone it set up here before (docs/COORDINATION.md, "Phones").
import { getMeta, outboxEntries, setMeta } from "./db.js";

const form = document.getElementById("enrol-form");
const status = document.getElementById("enrol-status");

// A pharmacy's counter PC is told it is a computer, as in the app (docs/WORDS.md).
const DEVICE = matchMedia("(pointer: coarse)").matches ? "phone" : "computer";
if (DEVICE === "computer") {
  for (const part of document.querySelectorAll("[data-for-phone]")) part.hidden = true;
  for (const part of document.querySelectorAll("[data-for-computer]")) part.hidden = false;
  document.title = form.dataset.computerTitle;
  const label = form.elements.label;
  if (label.value === label.defaultValue) label.value = form.dataset.computerLabel;
}

/** Records someone else left unsent here would be sent under the new person's name. */
async function someoneElsesUnsent() {
  const before = await getMeta("user");
  if (!before || before.id === Number(form.dataset.userId)) return null;
  const left = (await outboxEntries()).length;
  return left ? { name: before.display_name, left } : null;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const blocked = await someoneElsesUnsent();
  if (blocked) {
    status.textContent = `This ${DEVICE} still has ${blocked.left} record${blocked.left === 1 ? "" : "s"} ` +
      `${blocked.name} has not sent. ${blocked.name} should sign in here and set it up to send ` +
      "them first, or ask your coordinator.";
    return;
  }
  status.textContent = "Setting up…";
  try {
    const response = await fetch("/api/v1/devices", {
      method: "POST",
      headers: { "Content-Type": "application/json",
                 "X-CSRFToken": document.querySelector("meta[name=csrf-token]").content },
      body: JSON.stringify({ label: form.elements.label.value }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : "Set-up failed.");
    // The person's name comes again with the first pull, encrypted once a PIN is chosen;
    // the server's public sealing key is not secret.
    await setMeta({ token: body.token, deviceId: body.device_id, sealingKey: body.sealing_key || null,
                    cursor: 0, revokedMessage: null, setupMessage: null,
                    accountLanguage: (body.user || {}).locale || null });
    location.href = "/app";
  } catch (error) {
    status.textContent = `${error.message} Check your signal and try again.`;
  }
});
