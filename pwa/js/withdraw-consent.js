// The coordinator's consent-withdrawal page: make the recipient code from what the person
// says, in this browser, exactly as their phone did; post only the code.
import { recipientCode } from "./recipient-code.js";

const form = document.getElementById("withdraw-form");
const error = document.getElementById("rc-error");

form.addEventListener("submit", async (event) => {
  if (form.dataset.ready) return;  // the code is made: let the form go
  event.preventDefault();
  error.hidden = true;
  try {
    const sex = form.querySelector("input[name=rc-sex]:checked");
    const code = await recipientCode(form.dataset.salt, document.getElementById("rc-initials").value,
      document.getElementById("rc-dob").value, sex ? sex.value : "");
    form.elements.recipient_codes.value = code;
  } catch (problem) {
    error.textContent = problem.message;
    error.hidden = false;
    return;
  }
  form.dataset.ready = "true";
  form.requestSubmit();
});
