// The coordinator's consent-withdrawal page: make the recipient code from what the person
// says, in this browser, exactly as their phone did; post only the code.
import { legacyRecipientCode, recipientCode } from "./recipient-code.js";

const form = document.getElementById("withdraw-form");
const error = document.getElementById("rc-error");

form.addEventListener("submit", async (event) => {
  if (form.dataset.ready) return;  // the code is made: let the form go
  event.preventDefault();
  error.hidden = true;
  try {
    const sex = form.querySelector("input[name=rc-sex]:checked");
    const details = [form.dataset.salt, document.getElementById("rc-initials").value,
      document.getElementById("rc-dob").value, sex ? sex.value : ""];
    // Both versions: consents recorded before the slower code came in carry the old one.
    const codes = [await recipientCode(...details), await legacyRecipientCode(...details)];
    form.elements.recipient_codes.value = codes.join(",");
  } catch (problem) {
    error.textContent = problem.message;
    error.hidden = false;
    return;
  }
  form.dataset.ready = "true";
  form.requestSubmit();
});
