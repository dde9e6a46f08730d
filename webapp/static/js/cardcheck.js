// Kaartlezer testen: sign in with the card through the local agent; the server checks it.
import { CardAgent, CardAgentError } from "./cardagent.js";

const form = document.getElementById("card-sign-in");
const status = document.getElementById("card-status");
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
    body: JSON.stringify(body || {}),
    credentials: "same-origin",
  });
  return { ok: response.ok, data: await response.json() };
}

function show(result) {
  document.getElementById("card-name").textContent = result.common_name;
  document.getElementById("card-subject").textContent = result.subject;
  document.getElementById("card-issuer").textContent = result.issuer;
  document.getElementById("card-result").hidden = false;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  document.getElementById("card-result").hidden = true;
  status.textContent = "Bezig… Voer uw pincode in het venster van de Kaartlezer-app in.";
  const agent = CardAgent.fromPage();
  try {
    await agent.connect();
    await agent.findCard();
    const { data: challenge } = await post(form.dataset.challenge);
    const result = await agent.signIn(challenge.nonce);
    const { ok, data } = await post(form.dataset.check, { nonce: challenge.nonce, result });
    status.textContent = ok ? "Gelukt: de kaart is gecontroleerd." : data.message;
    if (ok) show(data);
  } catch (error) {
    status.textContent = error instanceof CardAgentError ? error.userMessage : "Er ging iets mis: " + error.message;
  } finally {
    agent.close();
  }
});
