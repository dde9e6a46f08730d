// Organisatie valideren: find the Kaartlezer-app, then sign in with the care-provider card (the PIN in the
// app's own window) and let the server check the card. On success the server says where to go next.
import { CardAgentError } from "./cardagent.js";
import { problem, signInWithCard, withAgent } from "./cardpage.js";

const form = document.getElementById("validate");
const agentStatus = document.getElementById("agent-status");
const status = document.getElementById("validate-status");
const help = document.getElementById("agent-help");
const searchButton = document.getElementById("agent-search");

function explain(error) {
  if (error instanceof CardAgentError && error.code === "agent_not_found") {
    help.open = true;
    return "De Kaartlezer-app is niet gevonden op deze computer. Start de app (zie hieronder hoe) en klik op “Opnieuw zoeken”.";
  }
  return problem(error);
}

async function search() {
  agentStatus.textContent = "Bezig met het zoeken naar de Kaartlezer-app…";
  try {
    await withAgent(async (agent) => {
      await agent.connect();
      await agent.findCard();
    });
    agentStatus.textContent = "De Kaartlezer-app is gevonden en er zit een pas in de kaartlezer.";
  } catch (error) {
    agentStatus.textContent = explain(error);
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  status.textContent = "";
  agentStatus.textContent = "Bezig… Voer de pincode van uw pas in het venster van de Kaartlezer-app in.";
  try {
    const { ok, data } = await signInWithCard(form);
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
  }
});

form.hidden = false;
searchButton.addEventListener("click", search);
search();
