// Desk screens at phone width: a wide table or chart scrolls inside its own labelled,
// keyboard-reachable region instead of making the whole page scroll sideways.
for (const wide of document.querySelectorAll("main table, main svg.chart")) {
  let region = wide.closest(".table-scroll");
  if (!region) {
    region = document.createElement("div");
    region.className = "table-scroll";
    wide.replaceWith(region);
    region.append(wide);
  }
  if (region.hasAttribute("role")) continue;
  const caption = wide.querySelector("caption, title");
  const heading = region.closest("section, details, figure")?.querySelector("h2, h3, summary, figcaption");
  const name = (caption || heading)?.textContent.replace(/\s+/g, " ").trim()
    || wide.getAttribute("aria-label") || "Table";
  Object.assign(region, { tabIndex: 0 });
  region.setAttribute("role", "region");
  region.setAttribute("aria-label", `${name} (scrolls sideways)`);
}

// The main menu is a <details> "Menu" on a phone; at desk width it stays open and its
// summary is hidden (pwa/css/app.css), so it reads as a plain list of links.
const menu = document.querySelector(".nav-menu");
const deskWidth = matchMedia("(min-width: 60rem)");
const fitMenu = () => { if (menu) menu.open = deskWidth.matches; };
fitMenu();
deskWidth.addEventListener("change", fitMenu);
