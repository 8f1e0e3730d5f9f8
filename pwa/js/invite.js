// The set-up page: the one-time token arrives in the address's fragment (/invite#token),
// which browsers never send to a server, so no access log holds it. Copy it into the form,
// which posts it in the body, and take it out of the address bar and history.
const field = document.getElementById("invite-token");
const token = decodeURIComponent(window.location.hash.slice(1));
if (token) {
  field.value = token;
  history.replaceState(null, "", window.location.pathname + window.location.search);
} else if (!field.value) {
  document.getElementById("invite-missing").hidden = false;
}
