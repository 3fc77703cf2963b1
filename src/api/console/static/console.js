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
