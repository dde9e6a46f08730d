// Inloggen met smartcard (and the smartcard step-up): the card signs the server's challenge through the
// Kaartlezer-app; the PIN is typed in the app's own window. The server decides and names the next page.
import { CardAgent, CardAgentError } from "./cardagent.js";

const form = document.getElementById("smartcard-sign-in");
const status = document.getElementById("card-status");
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
    body: JSON.stringify(body || {}),
    credentials: "same-origin",
  });
  let data = {};
  try {
    data = await response.json();
  } catch (error) {
    data = { message: "De server gaf een onverwacht antwoord. Probeer het opnieuw." };
  }
  return { ok: response.ok && data.ok !== false, data };
}

form.querySelector("button").disabled = false; // the card steps work once this script runs

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  status.textContent = "Bezig… Voer uw pincode in het venster van de Kaartlezer-app in.";
  const agent = CardAgent.fromPage();
  try {
    await agent.connect();
    await agent.findCard();
    const { data: challenge } = await post(form.dataset.challenge);
    const result = await agent.signIn(challenge.nonce);
    const { ok, data } = await post(form.dataset.check, { nonce: challenge.nonce, result });
    if (ok) {
      status.textContent = "Gelukt: u bent ingelogd.";
      window.location.assign(data.next);
    } else {
      status.textContent = data.message;
    }
  } catch (error) {
    status.textContent = error instanceof CardAgentError ? error.userMessage : "Er ging iets mis: " + error.message;
  } finally {
    agent.close();
  }
});
