// Watchkeeper's pages work without this script; it adds live alerts, decisions recorded in place,
// drag and drop for enrolment images, and a preview of a search probe. Nothing here is fetched from
// elsewhere, and no face image leaves the browser except in the form the user submits.
"use strict";

function fromHtml(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  return template.content.firstElementChild;
}

function announce(text) {
  const announcer = document.getElementById("announcer");
  if (announcer) announcer.textContent = text;
}

function watchAlerts(list) {
  const state = document.getElementById("stream-state");
  const empty = document.getElementById("no-alerts");
  const stream = new EventSource(list.dataset.stream);
  const show = (text, live) => {
    state.textContent = text;
    state.classList.toggle("live", live);
  };
  show("Connecting to live alerts…", false);
  stream.addEventListener("open", () => show("Live: new alerts appear here as they are raised.", true));
  stream.addEventListener("error", () => show("Connection lost; reconnecting…", false));
  stream.addEventListener("alert", (event) => {
    const alert = JSON.parse(event.data);
    if (document.getElementById("alert-" + alert.id)) return;
    const card = fromHtml(alert.html);
    list.prepend(card);
    if (empty) empty.hidden = true;
    announce("New alert: " + card.querySelector("h2").firstChild.textContent.trim());
  });
  stream.addEventListener("signed-out", () => {
    stream.close();
    window.location.assign("/sign-in");
  });
}

async function recordDecision(form) {
  const error = form.querySelector(".form-error");
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error ? answer.error.message : "the decision was not recorded");
    const card = fromHtml(answer.html);
    form.closest(".alert-card").replaceWith(card);
    card.querySelector("h2").focus();
    announce("Alert " + answer.id + " " + answer.outcome + ".");
  } catch (failure) {
    error.textContent = "Not recorded: " + failure.message;
    error.hidden = false;
    button.disabled = false;
  }
}

function listChosen(input, list) {
  list.replaceChildren(
    ...Array.from(input.files, (file) => {
      const item = document.createElement("li");
      item.textContent = file.name;
      return item;
    })
  );
}

function acceptDrops(zone) {
  const input = zone.querySelector("input[type=file]");
  const list = zone.querySelector(".chosen");
  input.addEventListener("change", () => listChosen(input, list));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    const images = new DataTransfer();
    for (const file of event.dataTransfer.files) {
      if (file.type.startsWith("image/")) images.items.add(file);
    }
    input.files = images.files;
    listChosen(input, list);
  });
}

function previewProbe(input, preview) {
  input.addEventListener("change", () => {
    if (preview.src) URL.revokeObjectURL(preview.src);
    const file = input.files[0];
    preview.hidden = !file;
    if (file) preview.src = URL.createObjectURL(file);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const alerts = document.getElementById("alerts");
  if (alerts && alerts.dataset.stream) watchAlerts(alerts);
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.classList.contains("adjudicate")) {
      event.preventDefault();
      recordDecision(form);
    }
  });
  document.querySelectorAll("[data-dropzone]").forEach(acceptDrops);
  const probe = document.getElementById("probe");
  const preview = document.getElementById("probe-preview");
  if (probe && preview) previewProbe(probe, preview);
  const results = document.getElementById("results-heading");
  if (results) results.focus();
});
