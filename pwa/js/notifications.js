// Red drug alerts as notifications (Web Push, docs/ALERTS.md). The phone tells the server
// whether its person allowed notifications, so a coordinator can phone those who refused;
// when allowed, it sends its push subscription (made with the server's VAPID public key
// from the pull snapshot). The service worker (sw.js) shows pushed alerts.
import { t } from "./i18n.js";
import { getMeta, setMeta } from "./db.js";

function urlBase64ToBytes(text) {
  const padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function tell(body) {
  const token = await getMeta("token");
  if (!token) return false;
  const response = await fetch("/api/v1/push-subscription", {
    method: "PUT", headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body) });
  return response.ok;
}

async function subscribe(publicKey) {
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.getSubscription()
    || await registration.pushManager.subscribe({ userVisibleOnly: true,
      applicationServerKey: urlBase64ToBytes(publicKey) });
  const json = subscription.toJSON();
  return tell({ permission: "granted", endpoint: json.endpoint, keys: json.keys });
}

// Say what the person chose, once per change (and again if sending failed: no signal).
async function report() {
  const snapshot = await getMeta("snapshot", {});
  if (!snapshot.push_public_key || !("Notification" in window) || !("PushManager" in window)) return;
  const permission = Notification.permission;
  if (permission === (await getMeta("notificationsTold"))) return;
  const told = permission === "granted" ? await subscribe(snapshot.push_public_key)
    : await tell({ permission });
  if (told) await setMeta({ notificationsTold: permission });
}

// Asking needs a tap: offer a button while the person has not chosen.
async function offer() {
  const snapshot = await getMeta("snapshot", {});
  const box = document.querySelector("#alerts");
  if (!box || !snapshot.push_public_key || !("Notification" in window)
      || Notification.permission !== "default" || document.querySelector("#allow-alerts")) return;
  const button = document.createElement("button");
  button.id = "allow-alerts";
  button.type = "button";
  button.className = "button-secondary";
  button.textContent = t("Get red drug alerts as notifications");
  button.addEventListener("click", async () => {
    await Notification.requestPermission();
    button.remove();
    await report().catch(() => {});
  });
  box.before(button);
}

async function start() {
  await report().catch(() => {});  // offline, or locked: tried again at the next unlock
  await offer().catch(() => {});
}

start();
window.addEventListener("peerkit-unlocked", start);  // the snapshot is readable again
