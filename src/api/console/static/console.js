// Progressive enhancement only: every page works without this file.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

// The rule editor: the count of the rule as typed, from the REST API (the session cookie).
for (const field of document.querySelectorAll("[data-live-count]")) {
  const out = document.getElementById(field.dataset.liveCount);
  let timer = 0;
  field.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!field.value.trim()) { out.textContent = ""; return; }
      const answer = await fetch("/api/v1/segments/preview?limit=1", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf() },
        body: JSON.stringify({ rule: field.value }),
      });
      const body = await answer.json();
      out.textContent = answer.ok ? `${body.count} contacts match.` : body.error.message;
    }, 300);
  });
}

// A progress bar for uploads (the form still posts normally without this file).
for (const form of document.querySelectorAll("form[data-progress]")) {
  form.addEventListener("submit", () => {
    const bar = form.querySelector("progress");
    if (bar) { bar.hidden = false; bar.removeAttribute("value"); }
  });
}

// A campaign at work (generating, running): its counts and cost from the REST API every two
// seconds, and the page again once its state changes (the Refresh link does it without this).
for (const live of document.querySelectorAll("[data-live-status]")) {
  const shown = live.querySelector("[data-state]").textContent;
  const poll = async () => {
    const answer = await fetch(live.dataset.liveStatus, { headers: { accept: "application/json" } });
    if (!answer.ok) return;
    const status = await answer.json();
    if (status.state !== shown) { window.location.reload(); return; }
    for (const out of document.querySelectorAll("[data-count]")) {
      if (out.dataset.count in status) out.textContent = status[out.dataset.count];
    }
    const cost = document.querySelector("[data-cost]");
    if (cost) cost.textContent = status.cost.toFixed(4);
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
}
