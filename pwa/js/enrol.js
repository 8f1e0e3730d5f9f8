// Online set-up: the signed-in person enrols this phone and keeps its device token.
import { setMeta } from "./db.js";

const form = document.getElementById("enrol-form");
const status = document.getElementById("enrol-status");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
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
