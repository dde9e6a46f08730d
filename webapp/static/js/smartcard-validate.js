// Organisatie valideren: find the Kaartlezer-app, then sign in with the care-provider card (the PIN in the
// app's own window) and let the server check the card. On success the server says where to go next.
import { CardAgent, CardAgentError } from "./cardagent.js";

const form = document.getElementById("validate");
const agentStatus = document.getElementById("agent-status");
const status = document.getElementById("validate-status");
const help = document.getElementById("agent-help");
const searchButton = document.getElementById("agent-search");
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
    data = { message: "Er ging iets mis bij de controle. Probeer het opnieuw." };
  }
  return { ok: response.ok, data };
}

function explain(error) {
  if (!(error instanceof CardAgentError)) return "Er ging iets mis: " + error.message;
  if (error.code === "agent_not_found") {
    help.open = true;
    return "De Kaartlezer-app is niet gevonden op deze computer. Start de app (zie hieronder hoe) en klik op “Opnieuw zoeken”.";
  }
  return error.userMessage;
}

async function search() {
  agentStatus.textContent = "Bezig met het zoeken naar de Kaartlezer-app…";
  const agent = CardAgent.fromPage();
  try {
    await agent.connect();
    await agent.findCard();
    agentStatus.textContent = "De Kaartlezer-app is gevonden en er zit een pas in de kaartlezer.";
  } catch (error) {
    agentStatus.textContent = explain(error);
  } finally {
    agent.close();
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  status.textContent = "";
  agentStatus.textContent = "Bezig… Voer de pincode van uw pas in het venster van de Kaartlezer-app in.";
  const agent = CardAgent.fromPage();
  try {
    await agent.connect();
    await agent.findCard();
    const { ok: issued, data: challenge } = await post(form.dataset.challenge);
    if (!issued) throw new Error(challenge.message || "geen uitdaging ontvangen");
    const result = await agent.signIn(challenge.nonce);
    const { ok, data } = await post(form.dataset.check, { nonce: challenge.nonce, result });
    if (ok) {
      agentStatus.textContent = "Uw pas is gecontroleerd.";
      window.location.assign(data.next);
      return;
    }
    agentStatus.textContent = "Uw pas is niet geaccepteerd.";
    status.textContent = data.message;
  } catch (error) {
    agentStatus.textContent = "Het valideren is niet gelukt.";
    status.textContent = explain(error);
  } finally {
    agent.close();
  }
});

form.hidden = false;
searchButton.addEventListener("click", search);
search();
