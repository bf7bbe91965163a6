// The console's one script; every page works without it. It adds the search as one types
// and the tabs of a customer's page.
"use strict";

function liveSearch(form) {
  const results = document.getElementById("results");
  let timer = null;
  let asked = 0;
  const run = async () => {
    const params = new URLSearchParams(new FormData(form));
    const ticket = ++asked;
    const answer = await fetch(`${form.action}?${params}&fragment=1`, { credentials: "same-origin" });
    if (answer.redirected) { location.assign(answer.url); return; } // signed out: to sign in
    if (ticket !== asked || !answer.ok) return; // a later search is on its way
    results.innerHTML = await answer.text();
    history.replaceState(null, "", `${form.action}?${params}`);
  };
  const soon = () => { clearTimeout(timer); timer = setTimeout(run, 150); };
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
}

function tabs(container) {
  const sections = Array.from(container.querySelectorAll(":scope > section.tab"));
  const list = document.createElement("div");
  list.className = "tab-list";
  list.setAttribute("role", "tablist");
  const buttons = sections.map((section) => {
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("role", "tab");
    button.id = `tab-${section.id}`;
    button.setAttribute("aria-controls", section.id);
    button.textContent = section.querySelector("h2").textContent;
    section.setAttribute("role", "tabpanel");
    list.appendChild(button);
    return button;
  });
  const show = (index, focus) => {
    sections.forEach((section, i) => { section.hidden = i !== index; });
    buttons.forEach((button, i) => {
      button.setAttribute("aria-selected", String(i === index));
      button.tabIndex = i === index ? 0 : -1;
    });
    if (focus) buttons[index].focus();
  };
  buttons.forEach((button, i) => {
    button.addEventListener("click", () => show(i, false));
    button.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) show((i + step + buttons.length) % buttons.length, true);
    });
  });
  container.prepend(list);
  const wanted = sections.findIndex((section) => `#${section.id}` === location.hash);
  show(wanted < 0 ? 0 : wanted, false);
}

document.querySelectorAll("form[data-live-search]").forEach(liveSearch);
document.querySelectorAll("[data-tabs]").forEach(tabs);

// An import's page: its counts and bar follow the running import; the page reloads once
// it ends (to show its report and what can be done next).
function followImport(section) {
  const bar = section.querySelector("progress");
  const poll = async () => {
    const answer = await fetch(section.dataset.importProgress, { credentials: "same-origin" });
    if (answer.redirected) { location.assign(answer.url); return; } // signed out: to sign in
    if (!answer.ok) return;
    const found = await answer.json();
    for (const [name, value] of Object.entries(found)) {
      const field = section.querySelector(`[data-field="${name}"]`);
      if (field) field.textContent = String(value);
    }
    if (found.rows_total) bar.value = Math.min(found.rows_done, found.rows_total);
    if (found.state !== "running") location.reload();
    else setTimeout(poll, 1000);
  };
  if (section.dataset.state === "running") setTimeout(poll, 500);
}

document.querySelectorAll("[data-import-progress]").forEach(followImport);
