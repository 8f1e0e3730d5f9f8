// Updates: the service worker's registration and the "A new version is ready" banner. A new
// worker waits until the person taps "Switch now"; drafts are saved first, so nothing typed is lost.
import { saveDraft } from "./forms.js";

const $ = (selector) => document.querySelector(selector);
let waitingWorker = null;
let switching = false;

/** Wire "Switch now": keep every half-filled form, then let the waiting worker take over. */
export function wireUpdateBanner() {
  $("#update-now").addEventListener("click", async () => {
    await Promise.all([...document.querySelectorAll("form[data-dirty]")].map(saveDraft));
    switching = true;
    waitingWorker?.postMessage({ type: "SKIP_WAITING" });
  });
}

export async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  const offer = (worker) => { waitingWorker = worker; $("#update-banner").hidden = false; };
  if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    worker?.addEventListener("statechange", () => {
      if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
    });
  });
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // Reload only when the person tapped "Switch now" (drafts are kept); the first
    // worker taking control of a fresh install needs no reload.
    if (switching) location.reload();
  });
}
