// Kits: transfers to confirm, returns and kits out of use.
import { getMeta, outboxEntries, saveRecords } from "../db.js";
import { t } from "../i18n.js";
import { requestSync } from "../sync.js";
import { openForm } from "./record.js";
import { $, channel, confirmSaved, ukDate } from "./shared.js";

export async function renderStock(name) {
  await openForm(name);
  const snapshot = await getMeta("snapshot", {});
  const confirmed = new Set((await outboxEntries()).filter((e) => e.kind === "transfer_receipt")
    .map((e) => e.record.data.movement_id));
  const transfers = (snapshot.transfers_to_confirm || []).filter((transfer) => !confirmed.has(transfer.id));
  const list = $("#transfer-list");
  if (!transfers.length) {
    const none = document.createElement("li");
    none.className = "hint";
    none.textContent = t("Nothing waiting to be confirmed.");
    list.replaceChildren(none);
    return;
  }
  list.replaceChildren(...transfers.map((transfer) => {
    const li = document.createElement("li");
    li.className = "card";
    const title = document.createElement("h3");
    title.textContent = t("{n} × {kit}, sent {date}", { n: transfer.quantity, kit: `${transfer.product_name} ${transfer.batch_number}`,
                                                         date: ukDate(transfer.moved_on) });
    const field = document.createElement("div");
    field.className = "field";
    const label = document.createElement("label");
    label.htmlFor = `received-${transfer.id}`;
    label.textContent = t("How many arrived");
    const input = document.createElement("input");
    Object.assign(input, { id: `received-${transfer.id}`, type: "number", min: "0", max: "500",
                           value: String(transfer.quantity), inputMode: "numeric" });
    field.append(label, input);
    const confirmButton = document.createElement("button");
    confirmButton.type = "button";
    confirmButton.className = "button-primary";
    confirmButton.textContent = t("Confirm received");
    confirmButton.addEventListener("click", async () => {
      const quantity = Number(input.value);
      if (!Number.isInteger(quantity) || quantity < 0) { input.focus(); return; }
      await saveRecords([{ kind: "transfer_receipt", data: {
        client_created_at: new Date().toISOString(), movement_id: transfer.id, quantity_received: quantity } }]);
      channel?.postMessage("changed");
      await confirmSaved("transfer_receipt", { quantity_received: quantity, expected: transfer.quantity,
                                               kit: `${transfer.product_name} ${transfer.batch_number}` });
      requestSync();
      renderStock(name);
    });
    li.append(title, field, confirmButton);
    return li;
  }));
}
