// Kits: transfers to confirm, returns and kits out of use.
import { getMeta, outboxEntries, saveRecords } from "../db.js";
import { requestSync } from "../sync.js";
import { openForm } from "./record.js";
import { $, channel, confirmSaved, ukDate } from "./shared.js";

export async function renderStock(name) {
  await openForm(name);
  const snapshot = await getMeta("snapshot", {});
  const confirmed = new Set((await outboxEntries()).filter((e) => e.kind === "transfer_receipt")
    .map((e) => e.record.data.movement_id));
  const transfers = (snapshot.transfers_to_confirm || []).filter((t) => !confirmed.has(t.id));
  const list = $("#transfer-list");
  if (!transfers.length) { list.innerHTML = '<li class="hint">Nothing waiting to be confirmed.</li>'; return; }
  list.replaceChildren(...transfers.map((t) => {
    const li = document.createElement("li");
    li.className = "card";
    const title = document.createElement("h3");
    title.textContent = `${t.quantity} × ${t.product_name} ${t.batch_number}, sent ${ukDate(t.moved_on)}`;
    const field = document.createElement("div");
    field.className = "field";
    const label = document.createElement("label");
    label.htmlFor = `received-${t.id}`;
    label.textContent = "How many arrived";
    const input = document.createElement("input");
    Object.assign(input, { id: `received-${t.id}`, type: "number", min: "0", max: "500",
                           value: String(t.quantity), inputMode: "numeric" });
    field.append(label, input);
    const confirmButton = document.createElement("button");
    confirmButton.type = "button";
    confirmButton.className = "button-primary";
    confirmButton.textContent = "Confirm received";
    confirmButton.addEventListener("click", async () => {
      const quantity = Number(input.value);
      if (!Number.isInteger(quantity) || quantity < 0) { input.focus(); return; }
      await saveRecords([{ kind: "transfer_receipt", data: {
        client_created_at: new Date().toISOString(), movement_id: t.id, quantity_received: quantity } }]);
      channel?.postMessage("changed");
      await confirmSaved(`${quantity} of ${t.quantity} kits received (${t.product_name} ${t.batch_number})`);
      requestSync();
      renderStock(name);
    });
    li.append(title, field, confirmButton);
    return li;
  }));
}
