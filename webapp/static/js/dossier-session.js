// Part A's session warning: some minutes before the session ends, say so and offer "Blijf ingelogd" (a post that
// starts the idle time again). Each answer from the portal says how long the session has left (header
// X-Session-Seconds-Left), so the warning counts from the last save. When an autosave finds the session ended
// (401), the whole section form is posted the ordinary way: the portal keeps those answers, asks to log in, and
// stores them after the login; nothing typed is lost.
(function () {
  "use strict";
  const box = document.getElementById("session-warning");
  const form = document.getElementById("section-form");
  if (!box) return;
  const WARN_BEFORE = Number(box.dataset.warnSeconds || "300"); // seconds before the end
  const countdown = box.querySelector("[data-countdown]");
  const message = document.getElementById("session-message");
  let endsAt = null;
  let timer = null;

  function schedule(secondsLeft) {
    if (!Number.isFinite(secondsLeft)) return;
    endsAt = Date.now() + secondsLeft * 1000;
    box.hidden = true;
    tick();
  }

  function tick() {
    clearTimeout(timer);
    const left = Math.ceil((endsAt - Date.now()) / 1000);
    if (left <= 0) {
      box.hidden = true;
      message.textContent = "Je sessie is verlopen. Klik op 'Opslaan en sluiten' en log opnieuw in: je antwoorden worden dan bewaard.";
      return;
    }
    if (left <= WARN_BEFORE) {
      const minutes = Math.floor(left / 60);
      countdown.textContent = minutes >= 1 ? minutes + (minutes === 1 ? " minuut" : " minuten") : left + " seconden";
      box.hidden = false; // its role="alert" text is announced; the focus stays where the student types
    }
    timer = setTimeout(tick, left <= WARN_BEFORE ? 1000 : Math.min((left - WARN_BEFORE) * 1000, 60000));
  }

  // The session has ended: post the section the ordinary way (the portal keeps its answers until the next login),
  // with the CSRF token the portal sent along (the ended session took the page's one with it).
  function keepAnswers(csrfToken) {
    if (!form) return;
    message.textContent = "Je sessie is verlopen. Je antwoorden worden bewaard; log opnieuw in.";
    const input = form.querySelector('input[name="csrf_token"]');
    if (input && csrfToken) input.value = csrfToken;
    form.submit();
  }

  function fromResponse(xhrOrResponse) {
    const header = xhrOrResponse.getResponseHeader
      ? xhrOrResponse.getResponseHeader("X-Session-Seconds-Left")
      : xhrOrResponse.headers.get("X-Session-Seconds-Left");
    if (header !== null && header !== "") schedule(Number(header));
  }

  box.querySelector("[data-stay]").addEventListener("click", async function () {
    const token = JSON.parse(document.body.dataset.hxHeaders || "{}")["X-CSRFToken"];
    const response = await fetch(box.dataset.stayUrl, {
      method: "POST",
      headers: { "X-CSRFToken": token },
      credentials: "same-origin",
      redirect: "manual",
    });
    if (response.ok) {
      fromResponse(response);
      message.textContent = "Je blijft ingelogd.";
    } else if (response.status === 401) {
      keepAnswers(response.headers.get("X-CSRF-Token"));
    }
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    const xhr = event.detail.xhr;
    if (xhr && xhr.status === 401) {
      keepAnswers(xhr.getResponseHeader("X-CSRF-Token"));
      return;
    }
    if (xhr && xhr.status === 409) {
      message.textContent = xhr.responseText;
      return;
    }
    if (xhr) fromResponse(xhr);
  });

  schedule(Number(box.dataset.secondsLeft || "NaN"));
})();
