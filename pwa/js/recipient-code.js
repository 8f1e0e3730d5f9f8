// A pseudonymous recipient code, made on the phone. The initials, date of birth and sex
// go into a hash with the area's salt and are then forgotten: they are never stored or
// sent. See docs/FIELD-APP.md for what this does and does not protect against.

function normalise(initials, dob, sex) {
  const letters = (initials || "").toUpperCase().replace(/[^A-Z]/g, "");
  if (letters.length !== 2) throw new Error("Enter two initials, first and last name.");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dob || "")) throw new Error("Enter the date of birth.");
  if (!["F", "M", "X"].includes(sex)) throw new Error("Choose the sex.");
  return `${letters}|${dob}|${sex}`;
}

/** "rc_" + 20 hex characters of SHA-256(salt | initials | dob | sex). */
export async function recipientCode(salt, initials, dob, sex) {
  const input = new TextEncoder().encode(`${salt}|${normalise(initials, dob, sex)}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", input));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  return `rc_${hex.slice(0, 20)}`;
}
