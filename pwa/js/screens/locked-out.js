// Locked out by a coordinator: send what is left, or delete it after a second "yes".
import { getMeta, outboxCounts, setMeta, wipe } from "../db.js";
import { $, channel } from "./shared.js";

export async function renderRevoked() {
  $("#revoked-message").textContent = await getMeta("revokedMessage");
  const { queued, attention } = await outboxCounts();
  const left = queued + attention;
  $("#revoked-left").hidden = left === 0;
  $("#revoked-done").hidden = left !== 0;
  $("#revoked-count").textContent = left;
  $("#revoked-confirm").hidden = true;
  $("#revoked-confirm-count").textContent = left;
}

export async function forgetUnsent(route) {
  const message = await getMeta("revokedMessage");
  await wipe();
  await setMeta({ revokedMessage: message });
  channel?.postMessage("changed");
  route();
}
