// This phone: who is signed in, storage, and signing out.
import { getMeta, outboxCounts, wipe } from "../db.js";
import { t } from "../i18n.js";
import { signOutDevice } from "../sync.js";
import { $, channel } from "./shared.js";

export async function renderDevice() {
  const snapshot = await getMeta("snapshot", {});
  const user = snapshot.user || (await getMeta("user")) || {};
  $("#device-user").textContent = `${user.display_name || "–"} (${user.username || "–"})`;
  $("#device-org").textContent = user.organisation_name || "–";
  let storage = (await getMeta("persisted")) ? t("Kept safe (persistent)") : t("May be cleared by the phone when space is low");
  if (navigator.storage?.estimate) {
    const { usage } = await navigator.storage.estimate();
    storage = t("{storage}; {kb} KB used", { storage, kb: Math.round((usage || 0) / 1024) });
  }
  $("#device-storage").textContent = storage;
  const { queued, attention } = await outboxCounts();
  const unsent = queued + attention;
  $("#signout-warning").hidden = unsent === 0;
  $("#signout-warning").textContent = unsent === 1
    ? t("1 record has not reached the server. Signing out sends it first if there is signal; otherwise it deletes it.")
    : t("{n} records have not reached the server. Signing out sends them first if there is signal; otherwise it deletes them.", { n: unsent });
  $("#signout-confirm-label").hidden = unsent === 0;
}

/** Sign out: send what is waiting, then the server revokes this phone's token, then the
 * phone deletes PeerKit's data. Without signal it says so and signs out only when told to. */
export async function signOut(event) {
  event.preventDefault();
  const button = event.target.querySelector("button[type=submit]");
  button.disabled = true;
  $("#signout-warning").hidden = false;
  $("#signout-warning").textContent = t("Sending what is waiting, then signing out…");
  const { left, signedOut } = await signOutDevice();
  button.disabled = false;
  const unsent = left.queued + left.attention;
  if (!signedOut && !$("#signout-confirm").checked) {
    $("#signout-confirm-label").hidden = false;
    $("#signout-warning").textContent = unsent
      ? (unsent === 1
        ? t("1 record has not reached the server. Find signal and tap Sign out again: it signs out once it is sent. Or tick the box to sign out now and lose it.")
        : t("{n} records have not reached the server. Find signal and tap Sign out again: it signs out once they are sent. Or tick the box to sign out now and lose them.", { n: unsent }))
      : t("No signal: the server could not be told. Find signal and tap Sign out again, or tick the box to sign out now (ask your coordinator to lock this phone out).");
    return;
  }
  await wipe();
  channel?.postMessage("changed");
  // A fresh start at Home: changing the hash first would render screens from a deleted
  // database while the page reloads.
  location.replace(location.pathname);
}
